"""The profile's inputs: column references, table plans, standardisation, bad columns named; profiles of
small frames into tables, metrics and markdown."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from tasks.data_profile.fits import SupportError
from tasks.data_profile.inputs import ProfileInputError, infer_kind, standardise
from tasks.data_profile.pca import PowerIteration
from tasks.data_profile.profile import profile_column, profile_components
from tasks.data_profile.report import components_metrics, components_table, fits_markdown, fits_table
from tasks.data_profile.schema import FIT_COLUMNS, PCA_TABLES, ColumnRef, TablePlan, fit_plan, pca_plan


def patients(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.normal(55, 9, n).round()
    return pd.DataFrame(
        {
            "patient_id": np.arange(100, 100 + n),
            "Age": age,
            "MaxHR": (210 - 0.7 * age + rng.normal(0, 12, n)).round(),
            "Cholesterol": np.where(rng.random(n) < 0.1, np.nan, rng.gamma(20, 11, n)),
            "Sex": rng.choice(["F", "M"], n),
            "FastingBS": np.ones(n, dtype=int),
        }
    )


def test_column_references_parse_and_unknown_datasets_are_errors():
    assert ColumnRef.parse("gold/heart_features:MaxHR=gamma") == ColumnRef("gold/heart_features", "MaxHR", "gamma")
    assert ColumnRef.parse(" units_sold ") == ColumnRef(None, "units_sold", None)
    with pytest.raises(KeyError, match="unknown dataset gold/nope"):
        ColumnRef.parse("gold/nope:x")
    with pytest.raises(ValueError, match="names no column"):
        ColumnRef.parse("gold/heart_features:")


def test_pca_plan_defaults_and_overrides():
    default = pca_plan(None)
    assert [p.dataset for p in default] == list(PCA_TABLES)
    assert "store_count" not in default[0].columns  # constant on a state-level source
    plans = pca_plan(None, ["gold/heart_features:Age", "gold/heart_features:MaxHR"], ["Sex"])
    assert plans[1] == TablePlan("gold/heart_features", ("Age", "MaxHR"), "Sex")
    assert plans[0].columns == PCA_TABLES["gold/demand_features"].columns and plans[0].color_by == "Sex"
    assert not plans[0].named  # defaults: a constant one is dropped, not an error
    with pytest.raises(ValueError, match="gold/network_summary has no default PCA columns"):
        pca_plan(["gold/network_summary"])
    assert len(fit_plan(None)) == len(FIT_COLUMNS)
    with pytest.raises(ValueError, match=r"fit columns \['Age'\] name no dataset"):
        fit_plan(["Age"])


def test_standardise_leaves_out_missing_rows_and_names_bad_columns(caplog):
    frame = patients()
    data = standardise(frame, ["Age", "MaxHR", "Cholesterol"], "gold/heart_features")
    assert data.rows_missing == int(frame["Cholesterol"].isna().sum()) > 0
    np.testing.assert_allclose(data.values.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(data.values.std(axis=0, ddof=1), 1, rtol=1e-12)
    with pytest.raises(
        ProfileInputError, match=r"gold/heart_features: constant column\(s\) 'FastingBS' \(every value 1\)"
    ):
        standardise(frame, ["Age", "FastingBS", "MaxHR"], "gold/heart_features")
    with caplog.at_level(logging.WARNING, logger="tasks.data_profile.inputs"):
        dropped = standardise(frame, ["Age", "FastingBS", "MaxHR"], "gold/heart_features", drop_constant=True)
    assert dropped.columns == ("Age", "MaxHR") and dropped.dropped_constant == ("FastingBS",)
    assert "dropping constant column(s) ['FastingBS']" in caplog.text
    with pytest.raises(ProfileInputError, match=r"column 'Sex' is not numeric \(dtype object, e.g. row 0: '[FM]'\)"):
        standardise(frame, ["Age", "Sex"], "gold/heart_features")
    with pytest.raises(ProfileInputError, match=r"has no column\(s\) \['Weight'\]"):
        standardise(frame, ["Age", "Weight"], "gold/heart_features")
    with pytest.raises(ProfileInputError, match="at least 2 non-constant columns"):
        standardise(frame, ["Age", "FastingBS"], "gold/heart_features", drop_constant=True)


def test_profile_components_tables_and_metrics():
    frame = patients(500)
    plan = TablePlan("gold/heart_features", ("Age", "MaxHR", "Cholesterol"), "Sex")
    profile = profile_components(frame, plan, "7", PowerIteration(tol=1e-10), plot_rows=100)
    assert profile.rows + profile.rows_missing == 500 and profile.sample_scores.shape == (100, 2)
    assert set(profile.sample_colors) <= {"F", "M"}
    # Age and MaxHR are correlated (negatively): the first component loads on both with opposite signs
    first = dict(zip(profile.columns, profile.components.vectors[0], strict=True))
    assert first["Age"] * first["MaxHR"] < 0 and abs(first["Age"]) > 0.6
    table = components_table([profile])
    assert len(table) == 9 and set(table["data_version"]) == {"7"}
    metrics = components_metrics([profile])
    assert metrics["pca_unconverged_components"] == 0
    assert sum(metrics[f"gold/heart_features/pc{i}_explained_variance_ratio"] for i in (1, 2, 3)) == pytest.approx(1)
    with pytest.raises(ProfileInputError, match="has no column 'Colour' to colour the projection by"):
        profile_components(frame, TablePlan("gold/heart_features", ("Age", "MaxHR"), "Colour"), "7")


def test_profile_column_names_the_row_by_its_key_and_reports_fits():
    frame = patients(300)
    column = profile_column(frame, ColumnRef("gold/heart_features", "Cholesterol", "positive"), "3", ["patient_id"])
    assert column.kind == "positive" and column.rows_missing == int(frame["Cholesterol"].isna().sum())
    assert column.best.family == column.fits[0].family and len(column.fits) == 3
    table = fits_table([column])
    assert table["chosen"].sum() == 1 and table.loc[table["chosen"], "family"].item() == column.best.family
    assert "best: **" in fits_markdown([column], {})
    frame.loc[17, "MaxHR"] = -5
    with pytest.raises(SupportError, match=r"'gold/heart_features:MaxHR', row 17 \(patient_id=117\): value -5.0"):
        profile_column(frame, ColumnRef("gold/heart_features", "MaxHR", "positive"), "3", ["patient_id"])
    assert infer_kind(frame["Age"]) == "count" and infer_kind(frame["MaxHR"]) == "real"
