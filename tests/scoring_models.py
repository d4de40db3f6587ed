"""Tiny real models for the scoring tests: the production demand forecaster (fitted on a few rows), and a
generic pyfunc returning a DataFrame (for the engine's own behaviour), registered in a temporary MLflow store.

Order independence: each module builds its own store (``store``), and each test gets a lake of its own
(``settings``), so no test sees what another test published or registered."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow.pyfunc import PythonModel

from smelter.settings import SparkSettings, load_settings
from smelter.tracking import configure_mlflow
from tasks.demand_forecast.model import DemandModel, ForecasterParams, fit_forecaster, population_table
from tasks.demand_forecast.schema import GOLD_COLUMNS, calendar_features
from tasks.demand_forecast.train import log_model, short_form

STATES = ["Ohio", "Texas", "Utah"]
TEST_SPARK = SparkSettings(master="local[1]", shuffle_partitions=1, driver_memory="1g")


def tiny_features(n_days: int = 20, seed: int = 0) -> pd.DataFrame:
    """Gold demand_features-shaped rows built with the production calendar: date, state, features, units_sold,
    split (last 5 days test)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2022-06-01", periods=n_days, freq="D")
    df = pd.DataFrame([(d, s) for d in dates for s in STATES], columns=["date", "state"])
    df = pd.concat([df, calendar_features(df["date"]).astype("int64")], axis=1)
    df["population"] = df["state"].map({"Ohio": 11_800_000, "Texas": 29_500_000, "Utah": 3_300_000})
    df["units_sold"] = df["population"] // 10_000 + 50 * df["is_weekend"] + rng.integers(0, 30, len(df))
    df["store_count"] = 1
    df["split"] = np.where(df["date"] >= dates[-5], "test", "train")
    df["date"] = df["date"].dt.date
    return df[GOLD_COLUMNS]


def register_forecaster(settings, name: str = "demand-forecast") -> DemandModel:
    """The production forecaster fitted on tiny rows, logged in its registered form (its own code, signature,
    short-form example), registered @champion; returns the model."""
    import mlflow

    from smelter.registry import register_and_promote
    from smelter.tracking import experiment_id

    gold = tiny_features()
    train = gold.query("split == 'train'")
    params = ForecasterParams(num_leaves=4, num_iterations=8, seed=0)
    model = DemandModel(fit_forecaster(train, params), population_table(gold))
    with mlflow.start_run(experiment_id=experiment_id(settings, "scoring-test")) as run:
        info = log_model(model, short_form(train.head(3)))
        mlflow.log_metric("rmse", 1.0)
        register_and_promote(info.model_uri, name, "rmse", 1.0, False, run.info.run_id)
    return model


def register_interval_model(settings, name: str = "interval-model", python_model: PythonModel | None = None):
    """A pyfunc returning a DataFrame (probability, low, high, label) per row, or ``python_model``'s
    columns; features: x."""
    import cloudpickle
    import mlflow
    from mlflow.models import infer_signature

    from smelter.tracking import experiment_id, pip_requirements

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # Spark workers need not import tests
    model = python_model or IntervalModel()
    x = pd.DataFrame({"x": [0.1, 0.5, 0.9]})
    with mlflow.start_run(experiment_id=experiment_id(settings, "scoring-test")):
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=model,
            pip_requirements=pip_requirements(),
            signature=infer_signature(x, model.predict(None, x)),
        )
    mv = mlflow.register_model(info.model_uri, name)
    mlflow.MlflowClient().set_registered_model_alias(name, "champion", mv.version)


class IntervalModel(PythonModel):
    def predict(self, context, model_input, params=None):
        p = model_input["x"].to_numpy(float).clip(0, 1)
        return pd.DataFrame(
            {"probability": p, "low": p * 0.9, "high": np.minimum(p * 1.1, 1.0), "label": (p >= 0.5).astype("int64")}
        )


class ThreadLimitModel(PythonModel):
    """Reports, per row, the OpenMP thread cap (``OMP_THREAD_LIMIT``) of the process that predicts."""

    def predict(self, context, model_input, params=None):
        return pd.DataFrame({"omp_thread_limit": [os.environ.get("OMP_THREAD_LIMIT", "unset")] * len(model_input)})


def make_store(root: Path):
    """Settings rooted in ``root`` with both tiny models registered @champion; returns (settings, forecaster)."""
    settings = load_settings(data_root=root / "data", mlruns_root=root / "mlruns", spark=TEST_SPARK)
    configure_mlflow(settings)
    fitted = register_forecaster(settings)
    register_interval_model(settings)
    return settings, fitted


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """This module's own temporary MLflow store holding the tiny forecaster @champion and a DataFrame-returning
    model; tests only read it (registering costs seconds, so it is built once per module, not per session)."""
    return make_store(tmp_path_factory.mktemp("scoring-store"))


@pytest.fixture()
def settings(store, tmp_path):
    """MLflow on the module's store, a lake of this test's own in ``tmp_path`` (tests never see each other's
    published datasets)."""
    own = load_settings(data_root=tmp_path / "lake", mlruns_root=store[0].mlruns_root, spark=TEST_SPARK)
    configure_mlflow(own)
    return own
