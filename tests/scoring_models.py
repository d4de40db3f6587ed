"""Tiny real models for the scoring tests: a LightGBM forecaster with a categorical ``state``, and a
pyfunc returning a DataFrame (as the heart model does), registered in a temporary MLflow store.

Order independence: each module builds its own store (``store``), and each test gets a lake of its own
(``settings``), so no test sees what another test published or registered."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow.pyfunc import PythonModel

from smelter.settings import SparkSettings, load_settings
from smelter.tracking import configure_mlflow

FEATURES = [
    "state",
    "year",
    "month",
    "day_of_year",
    "day_of_week",
    "week_of_year",
    "is_weekend",
    "is_holiday",
    "population",
]
STATES = ["Ohio", "Texas", "Utah"]
TEST_SPARK = SparkSettings(master="local[1]", shuffle_partitions=1, driver_memory="1g")


def tiny_features(n_days: int = 20, seed: int = 0) -> pd.DataFrame:
    """Gold demand_features-shaped rows: date, state, features, units_sold, split (last 5 days test)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2022-06-01", periods=n_days, freq="D")
    df = pd.DataFrame([(d, s) for d in dates for s in STATES], columns=["date", "state"])
    d = pd.DatetimeIndex(df["date"])
    df = df.assign(
        year=d.year.astype("int64"),
        month=d.month.astype("int64"),
        day_of_year=d.dayofyear.astype("int64"),
        day_of_week=d.dayofweek.astype("int64"),
        week_of_year=d.isocalendar().week.to_numpy().astype("int64"),
        is_weekend=(d.dayofweek >= 5).astype("int64"),
        is_holiday=0,
        population=df["state"].map({"Ohio": 11_800_000, "Texas": 29_500_000, "Utah": 3_300_000}),
    )
    df["units_sold"] = df["population"] // 10_000 + 50 * df["is_weekend"] + rng.integers(0, 30, len(df))
    df["split"] = np.where(d >= dates[-5], "test", "train")
    df["date"] = d.date
    return df


def fit_forecaster(train: pd.DataFrame):
    """sklearn Pipeline: ordinal-encoded ``state`` fed to LightGBM as a categorical feature."""
    from lightgbm import LGBMRegressor
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    encode = ColumnTransformer(
        [("state", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), ["state"])],
        remainder="passthrough",
    )
    lgbm = LGBMRegressor(
        n_estimators=8, num_leaves=4, min_child_samples=2, random_state=0, deterministic=True, n_jobs=1, verbose=-1
    )
    model = Pipeline([("encode", encode), ("lgbm", lgbm)])
    return model.fit(train[FEATURES], train["units_sold"], lgbm__categorical_feature=[0])


def register_forecaster(settings, name: str = "demand-forecast"):
    """Fit on tiny rows, log with mlflow.sklearn, register and set @champion; returns the fitted model."""
    import mlflow
    from mlflow.models import infer_signature

    from smelter.registry import register_and_promote
    from smelter.tracking import experiment_id, pip_requirements

    train = tiny_features().query("split == 'train'")
    model = fit_forecaster(train)
    with mlflow.start_run(experiment_id=experiment_id(settings, "scoring-test")) as run:
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            serialization_format="cloudpickle",
            signature=infer_signature(train[FEATURES], model.predict(train[FEATURES])),
            pip_requirements=pip_requirements("lightgbm"),
        )
        mlflow.log_metric("rmse", 1.0)
        register_and_promote(info.model_uri, name, "rmse", 1.0, False, run.info.run_id)
    return model


def register_interval_model(settings, name: str = "interval-model"):
    """A pyfunc returning a DataFrame (probability, low, high, label) per row; features: x."""
    import cloudpickle
    import mlflow
    from mlflow.models import infer_signature

    from smelter.tracking import experiment_id, pip_requirements

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # Spark workers need not import tests
    x = pd.DataFrame({"x": [0.1, 0.5, 0.9]})
    with mlflow.start_run(experiment_id=experiment_id(settings, "scoring-test")):
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=IntervalModel(),
            pip_requirements=pip_requirements(),
            signature=infer_signature(x, IntervalModel().predict(None, x)),
        )
    mv = mlflow.register_model(info.model_uri, name)
    mlflow.MlflowClient().set_registered_model_alias(name, "champion", mv.version)


class IntervalModel(PythonModel):
    def predict(self, context, model_input, params=None):
        p = model_input["x"].to_numpy(float).clip(0, 1)
        return pd.DataFrame(
            {"probability": p, "low": p * 0.9, "high": np.minimum(p * 1.1, 1.0), "label": (p >= 0.5).astype("int64")}
        )


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
