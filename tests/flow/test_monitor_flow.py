"""End to end: every demand scoring run checks the batch's columns before scoring and reports drift after it
(Prefect artifact ``drift-report``, an MLflow run in ``demand-forecast-monitoring`` linked to the version, a
drift section in the run's summary)."""

import json

import pandas as pd
import pytest

from smelter.catalog import GOLD_DEMAND_FEATURES, GOLD_DEMAND_PREDICTIONS
from smelter.lake import Lake
from smelter.tracking import configure_mlflow
from tasks.monitoring.drift import UnknownColumnError
from tasks.monitoring.track import VERSION_TAG
from tests.scoring_models import register_forecaster, tiny_features


def test_scoring_reports_drift_and_rejects_a_column_training_never_had(flow_settings, tmp_path):
    import mlflow
    from prefect.artifacts import Artifact

    from flows.demand_forecast import demand_forecast_score

    configure_mlflow(flow_settings)
    register_forecaster(flow_settings)  # logs no profile: the monitor computes one from gold's training rows
    gold = tiny_features()
    lake = Lake.of(flow_settings)
    lake.publish_pandas(GOLD_DEMAND_FEATURES, gold)
    train = gold[gold["split"] == "train"]

    path = tmp_path / "rows.parquet"
    train.to_parquet(path)
    same = demand_forecast_score(input_path=str(path))["drift"]
    assert same.drifted is False and same.run_id and "computed from gold/demand_features" in same.note

    train.assign(population=train["population"] * 20).to_parquet(path)  # a shifted population
    shifted = demand_forecast_score(input_path=str(path))["drift"]
    assert shifted.drifted is True and shifted.flagged == ["population"]
    summary = Artifact.get("demand-forecast-score-summary").data  # what a user sees of the run
    assert "## Drift: demand-forecast" in summary and "**DRIFT** in population" in summary
    assert "| population | KS |" in summary and "| > 0.1 with p < 0.01 | yes |" in summary
    assert f"Prefect artifact `drift-report` (id `{shifted.artifact_id}`)" in summary
    assert str(Artifact.get("drift-report").id) == shifted.artifact_id
    run = mlflow.get_run(shifted.run_id)
    assert run.data.tags["model_version"] == "1" and run.data.tags["model_name"] == "demand-forecast"
    assert run.data.metrics["population.ks"] > 0.9 and run.data.metrics["drifted"] == 1.0
    assert mlflow.get_experiment(run.info.experiment_id).name == "demand-forecast-monitoring"
    tag = json.loads(mlflow.MlflowClient().get_model_version("demand-forecast", "1").tags[VERSION_TAG])
    assert tag["run_id"] == shifted.run_id and tag["drifted"] is True

    published = lake.current_version(GOLD_DEMAND_PREDICTIONS)
    train.assign(promo=1).to_parquet(path)
    with pytest.raises(UnknownColumnError, match=r"\['promo'\] never appeared in the training data"):
        demand_forecast_score(input_path=str(path))
    assert lake.current_version(GOLD_DEMAND_PREDICTIONS) == published  # nothing published
    assert pd.read_parquet(path).shape[0] == len(train)
