"""The one-off migration: models pickled by reference to the old layout are re-registered in the new form."""

from contextlib import contextmanager

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from scripts.migrate_models import migrate, old_module_names
from smelter.tracking import configure_mlflow, experiment_id
from tasks.demand_forecast import model as demand_model
from tasks.demand_forecast.model import ForecasterParams, fit_forecaster
from tasks.demand_forecast.schema import FEATURES
from tasks.heart_risk import model as heart_model
from tasks.heart_risk import preprocess
from tests.model.test_demand_model import gold_rows
from tests.unit.test_heart_preprocess import RAW
from tests.unit.test_heart_pyfunc import tiny_heart_model


@contextmanager
def pickled_as(*moves):
    """While open, classes report their old module (``(class, old module)``), so pickles reference the old
    layout exactly as models registered before the move do."""
    before = [(cls, cls.__module__) for cls, _ in moves]
    with old_module_names():
        for cls, old in moves:
            cls.__module__ = old
        try:
            yield
        finally:
            for cls, module in before:
                cls.__module__ = module


def register_old(name: str, log, metric: str, value: float) -> None:
    with mlflow.start_run(experiment_id=experiment_id_of(name)):
        mlflow.log_metric(metric, value)
        info = log()
    version = mlflow.register_model(info.model_uri, name).version
    MlflowClient().set_registered_model_alias(name, "champion", version)


def experiment_id_of(name: str) -> str:
    found = mlflow.get_experiment_by_name(name)
    assert found is not None, name
    return found.experiment_id


def test_old_champions_are_migrated_once_and_score_as_before(settings):
    configure_mlflow(settings)
    for old in ("icecream-demand", "heart-disease-bayes"):
        experiment_id(settings, old)
    gold = gold_rows()
    pipeline = fit_forecaster(gold[gold["split"] == "train"], ForecasterParams(num_iterations=20))
    heart = tiny_heart_model()
    with pickled_as((demand_model.CategoryCast, "tasks.forecast.model")):
        register_old(
            "icecream-demand",
            lambda: mlflow.sklearn.log_model(
                pipeline,
                name="model",
                skops_trusted_types=[
                    "tasks.forecast.model.CategoryCast",
                    "lightgbm.sklearn.LGBMRegressor",
                    "lightgbm.basic.Booster",
                    "collections.OrderedDict",
                ],
                pip_requirements=[],
            ),
            "test_rmse",
            10.0,
        )
    patients = pd.DataFrame(RAW).drop(columns="HeartDisease")
    with pickled_as(
        (heart_model.HeartRiskModel, "tasks.heart.pyfunc"), (preprocess.HeartPreprocessor, "tasks.heart.preprocess")
    ):
        register_old(
            "heart-disease-bayes",
            lambda: mlflow.pyfunc.log_model(
                name="model", python_model=heart, input_example=patients.head(2), pip_requirements=[]
            ),
            "test_roc_auc",
            0.9,
        )
    for name in ("icecream-demand", "heart-disease-bayes"):  # the old layout is gone: they no longer load
        with pytest.raises(Exception, match=r"tasks\.(forecast|heart)"):
            mlflow.pyfunc.load_model(f"models:/{name}/1")

    lines = migrate(settings)
    assert lines[0].startswith("icecream-demand/1 -> demand-forecast v1") and "becomes champion" in lines[0]
    assert lines[1].startswith("heart-disease-bayes/1 -> heart-risk v1")
    test = gold[gold["split"] == "test"]
    migrated = mlflow.pyfunc.load_model("models:/demand-forecast@champion")
    np.testing.assert_allclose(
        migrated.predict(test[["date", "state"]])["prediction"], pipeline.predict(test[FEATURES])
    )
    scored = mlflow.pyfunc.load_model("models:/heart-risk@champion").predict(patients)
    np.testing.assert_allclose(scored["probability"], heart.score(patients)["probability"])
    run = MlflowClient().get_run(migrated.metadata.run_id)
    assert run.data.tags["migrated_from"] == "icecream-demand/1" and run.data.metrics["test_rmse"] == 10.0
    assert all("already migrated" in line for line in migrate(settings))  # a second run changes nothing
    assert len(MlflowClient().search_model_versions("name='demand-forecast'")) == 1
