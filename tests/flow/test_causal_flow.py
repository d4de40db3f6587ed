"""End to end: the causal pipeline under a real Prefect API, GX and MLflow, on a small simulation and a user CSV."""

import pandas as pd
import pytest

from smelter.catalog import BRONZE_CAUSAL_OBSERVATIONS, GOLD_CAUSAL_EFFECTS, SILVER_CAUSAL_OBSERVATIONS
from smelter.lake import DatasetNotFoundError, Lake
from tasks.causal_effects.schema import CausalInputError

SMALL = {"rows": 400, "n_bootstrap": 4}


def test_simulation_to_gold_mlflow_and_registry(flow_settings):
    from mlflow import MlflowClient

    from flows.causal_effects import causal_effects

    result = causal_effects(**SMALL)
    lake = Lake.of(flow_settings)
    gold = lake.read_pandas(GOLD_CAUSAL_EFFECTS)
    assert len(gold) == 3 * 400 and set(gold["learner"]) == {"s", "t", "x"}
    assert gold.groupby("learner")["unit_id"].apply(lambda u: sorted(u) == list(range(2, 402))).all()
    assert gold["true_effect"].notna().all() and result["gold"].quality
    assert result["silver"].rows == 400 and result["bronze"].rows == 400
    metrics = result["trained"].metrics
    assert {
        "ate_naive",
        "ate_s",
        "ate_x_lower",
        "pehe_t",
        "ate_error_x",
        "r_loss_s",
        "true_ate",
        "selected_pehe",
    } <= set(metrics)
    chosen = min("stx", key=lambda n: metrics[f"pehe_{n}"])
    assert metrics["selected_pehe"] == metrics[f"pehe_{chosen}"]
    assert [r["estimator"] for r in result["estimates"]] == ["naive", "s", "t", "x"]
    client = MlflowClient()
    run = client.get_run(result["trained"].run_id)
    assert run.data.params["chosen_learner"] == chosen and run.data.params["criterion"] == "pehe"
    assert (run.data.params["interval"], run.data.params["base_propensity"]) == ("aipw", "logistic")
    assert run.data.params["gold_version"] == result["gold"].version
    logged = {f.path for folder in ("plots", "estimates") for f in client.list_artifacts(run.info.run_id, folder)}
    assert {"plots/effects.png", "plots/ate_intervals.png", "estimates/ate.json"} <= logged
    assert result["registry"].registered and result["registry"].promoted
    assert client.get_model_version_by_alias("causal-effects", "champion").run_id == run.info.run_id


def test_a_user_csv_with_a_scikit_learn_base_model_and_no_truth(flow_settings, tmp_path):
    import mlflow

    from flows.causal_effects import causal_effects
    from tasks.causal_effects.sources import Simulation, simulate_stores

    visits = tmp_path / "visits.csv"
    stores = simulate_stores(Simulation(rows=300, seed=5)).drop(columns="true_effect")
    stores.rename(columns={"promotion": "coupon", "sales": "spend"}).to_csv(visits, index=False)
    result = causal_effects(
        source=str(visits),
        treatment="coupon",
        outcome="spend",
        features=["size", "footfall", "urban"],
        base_model="sklearn.linear_model.LinearRegression",
        classifier="sklearn.linear_model.LogisticRegression",
        learners=("t", "x"),
        n_bootstrap=3,
    )
    gold = Lake.of(flow_settings).read_pandas(GOLD_CAUSAL_EFFECTS)
    assert set(gold["learner"]) == {"t", "x"} and gold["true_effect"].isna().all()
    metrics = result["trained"].metrics
    assert "selected_r_loss" in metrics and not any(k.startswith("pehe") for k in metrics)
    model = mlflow.pyfunc.load_model("models:/causal-effects@champion")
    scored = model.predict(pd.DataFrame({"size": [0, 1], "footfall": [0.5, 0.5], "urban": [1, 0]}))
    assert list(scored.columns) == ["cate"] and len(scored) == 2


@pytest.mark.parametrize(
    ("edit", "params", "message"),
    [
        (
            lambda df: df.assign(promotion=df["promotion"].astype(object).where(df.index != 6, "2")),
            {},
            "column 'promotion' row 8: '2' is not a binary treatment",
        ),
        (lambda df: df.assign(sales=df["sales"].where(df.index != 3)), {}, r"column 'sales' row 5: missing value"),
        (lambda df: df, {"features": ["size", "floor_area"]}, r"feature\(s\) \['floor_area'\] name no column"),
    ],
    ids=["treatment-not-binary", "outcome-missing", "feature-names-no-column"],
)
def test_bad_input_is_a_clear_error_and_nothing_is_published(flow_settings, tmp_path, edit, params, message):
    from flows.causal_effects import causal_effects
    from tasks.causal_effects.sources import Simulation, simulate_stores

    source = tmp_path / "stores.csv"
    edit(simulate_stores(Simulation(rows=100, seed=2))).to_csv(source, index=False)
    with pytest.raises(CausalInputError, match=message) as err:
        causal_effects(source=str(source), n_bootstrap=2, **params)
    assert str(source) in str(err.value)
    lake = Lake.of(flow_settings)
    for ds in (BRONZE_CAUSAL_OBSERVATIONS, SILVER_CAUSAL_OBSERVATIONS, GOLD_CAUSAL_EFFECTS):
        with pytest.raises(DatasetNotFoundError):
            lake.current_version(ds)
