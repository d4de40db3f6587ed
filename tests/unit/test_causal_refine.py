"""The causal source: the simulation's knobs, column roles and row-by-row checks that name column and row."""

import numpy as np
import pandas as pd
import pytest

from tasks.causal_effects.refine import binary_outcome, refine_observations
from tasks.causal_effects.schema import UNIT_ID, CausalInputError, Roles, resolve_roles
from tasks.causal_effects.sources import Simulation, baseline, simulate_stores, write_stores

ROLES = Roles("promo", "sales", ("a", "b"))


def raw(**changes) -> pd.DataFrame:
    """Four text rows as a CSV reads them (lines 2-5)."""
    rows = {"a": ["1", "2", "3", "4"], "b": ["0.5", "1.5", "2", "3"], "promo": ["0", "1", "0", "1"]}
    rows["sales"] = ["10", "12.5", "9", "14"]
    return pd.DataFrame({**rows, **changes})


def test_refine_types_rows_and_numbers_them_by_source_line():
    silver = refine_observations(raw(), ROLES, "s.csv")
    assert list(silver.columns) == [UNIT_ID, "a", "b", "promo", "sales"]
    assert silver[UNIT_ID].tolist() == [2, 3, 4, 5] and silver["promo"].dtype == "int64"
    assert silver["sales"].tolist() == [10.0, 12.5, 9.0, 14.0] and not binary_outcome(silver, ROLES)
    assert binary_outcome(refine_observations(raw(sales=["0", "1", "1", "0"]), ROLES, "s.csv"), ROLES)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"promo": ["0", "1", "2", "1"]}, r"s.csv: column 'promo' row 4: '2' is not a binary treatment"),
        ({"promo": ["0", "yes", "0", "1"]}, r"column 'promo' row 3: 'yes' is not a number"),
        ({"promo": ["0", "1", "", "1"]}, r"column 'promo' row 4: missing value"),
        ({"promo": ["0", "1", "0", "0"]}, r"column 'promo' has 1 treated and 3 control row\(s\)"),
        ({"sales": ["10", "", "9", "NA"]}, r"column 'sales' row 3: missing value \(2 row\(s\) in all\); the outcome"),
        ({"sales": ["10", "12", "n/a!", "1"]}, r"column 'sales' row 4: 'n/a!' is not a number"),
        ({"b": ["1", "2", "3", "inf"]}, r"column 'b' row 5: 'inf' is not a number"),
    ],
)
def test_bad_rows_are_errors_naming_file_column_and_row(changes, message):
    with pytest.raises(CausalInputError, match=message):
        refine_observations(raw(**changes), ROLES, "s.csv")


def test_roles_default_to_every_other_column_and_find_the_truth():
    roles = resolve_roles(["x1", "t", "y", "true_effect", "x2"], "t", "y", None)
    assert roles == Roles("t", "y", ("x1", "x2"), "true_effect")
    assert roles.columns == ["x1", "x2", "t", "y", "true_effect"]


@pytest.mark.parametrize(
    ("treatment", "outcome", "features", "message"),
    [
        ("t", "y", ["x1", "height", "weight"], r"src.csv: feature\(s\) \['height', 'weight'\] name no column"),
        ("t", "y", ["nope"], r"feature\(s\) \['nope'\] name no column of the source; it has \['x1', 't', 'y'\]"),
        ("treat", "y", None, r"the treatment column 'treat' is not a column"),
        ("t", "sales", None, r"the outcome column 'sales' is not a column"),
        ("t", "y", ["x1", "t"], r"feature\(s\) \['t'\] are the treatment"),
        ("t", "y", [], "no feature column"),
    ],
)
def test_roles_that_name_no_column_are_clear_errors(treatment, outcome, features, message):
    with pytest.raises(CausalInputError, match=message):
        resolve_roles(["x1", "t", "y"], treatment, outcome, features, "src.csv")


def test_simulation_is_seeded_confounded_and_has_the_knobs(tmp_path):
    sim = Simulation(rows=4_000, seed=3)
    stores = simulate_stores(sim)
    pd.testing.assert_frame_equal(stores, simulate_stores(sim))
    assert write_stores(tmp_path / "a", sim).read_bytes() == write_stores(tmp_path / "b", sim).read_bytes()
    assert abs(stores["promotion"].mean() - 0.5) < 0.03 and abs(stores["true_effect"].mean() - 2.0) < 0.1
    mu0 = baseline(stores)
    assert mu0[stores["promotion"] == 1].mean() > mu0[stores["promotion"] == 0].mean() + 1  # promoted sell more anyway
    assert stores["true_effect"].std() > 0.3  # heterogeneous
    unbalanced = simulate_stores(Simulation(rows=4_000, seed=3, treated_share=0.1, no_effect=True))
    assert abs(unbalanced["promotion"].mean() - 0.1) < 0.02 and (unbalanced["true_effect"] == 0).all()
    with pytest.raises(ValueError, match="treated_share"):
        Simulation(treated_share=1.0)


def test_a_simulated_csv_refines_with_its_truth(tmp_path):
    path = write_stores(tmp_path, Simulation(rows=50, seed=1))
    text = pd.read_csv(path, dtype=str, keep_default_na=False)
    roles = resolve_roles(list(text.columns), "promotion", "sales", None)
    silver = refine_observations(text, roles, str(path))
    assert roles.truth == "true_effect" and roles.features == ("size", "footfall", "income", "competition", "urban")
    np.testing.assert_allclose(
        silver["true_effect"], simulate_stores(Simulation(rows=50, seed=1))["true_effect"], rtol=1e-5
    )
