"""Train the forecaster on gold, track it in MLflow, register it and apply the champion rule.

``train_and_track`` logs the run: parameters, test RMSE / MAE / MAPE for the model and the
seasonal-naive baseline, the gold dataset as a run input with its digest, feature-importance and
forecast-vs-actual plots, and the registered form (:class:`~tasks.demand_forecast.model.DemandModel`
with its own code, signature, a short-form input example and pip requirements).
``register_forecaster`` then registers a ``demand-forecast`` version and applies the champion rule;
it is its own step so that a retry of it never trains (nor registers) twice.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

import pandas as pd

from smelter.catalog import GOLD_DEMAND_FEATURES
from smelter.lake import Lake
from smelter.naming import DEMAND_FORECAST as P
from smelter.portable import log_portable_model
from smelter.registry import register_and_promote
from smelter.results import ModelRegistered, ModelTrained
from smelter.settings import Settings
from smelter.tracking import experiment_id, pip_requirements
from tasks.demand_forecast import plots
from tasks.demand_forecast.evaluate import evaluate
from tasks.demand_forecast.model import (
    DemandModel,
    ForecasterParams,
    feature_importance,
    fit_forecaster,
    population_table,
    predict,
    signature_for,
)
from tasks.demand_forecast.schema import FEATURES, TARGET
from tasks.monitoring.track import log_training_profile

MODEL_NAME = P.model_name
EXPERIMENT = P.experiment
CHAMPION_METRIC = "test_rmse"
PORTABLE = ["tasks.demand_forecast.model", "tasks.demand_forecast.schema"]  # logged with the model


def split_frames(gold: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Gold -> (train, test) by its ``split`` column; an empty part is a clear error."""
    train, test = gold[gold["split"] == "train"], gold[gold["split"] == "test"]
    if train.empty or test.empty:
        raise ValueError(
            f"gold/demand_features needs train and test rows; has {len(train)} train, "
            f"{len(test)} test: check the data's date range against test_start"
        )
    return train.reset_index(drop=True), test.reset_index(drop=True)


def log_model(model: DemandModel, example: pd.DataFrame):
    """Log the registered form: the pyfunc with its own code (``PORTABLE``), signature, short-form example
    and exact pip requirements; returns MLflow's ModelInfo."""
    requirements = pip_requirements("lightgbm", "scikit-learn")
    return log_portable_model(model, PORTABLE, signature_for(example, model), example, requirements)


def short_form(rows: pd.DataFrame) -> pd.DataFrame:
    """What a caller sends: ISO ``date`` text and ``state``."""
    return pd.DataFrame({"date": pd.to_datetime(rows["date"]).dt.strftime("%Y-%m-%d"), "state": rows["state"]})


def train_and_track(settings: Settings, params: ForecasterParams) -> ModelTrained:
    """Fit on gold's train rows, evaluate on its test rows, log params, metrics, data, plots and the model."""
    import mlflow
    from mlflow.data.pandas_dataset import from_pandas

    lk, gold = Lake.of(settings), GOLD_DEMAND_FEATURES
    gold_version = lk.current_version(gold)
    gold_path = lk.data_path(gold, gold_version)
    train, test = split_frames(lk.read_pandas(gold, gold_version))
    run_name = f"lightgbm-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    with mlflow.start_run(experiment_id=experiment_id(settings, EXPERIMENT), run_name=run_name) as run:
        mlflow.log_params(
            asdict(params)
            | {
                "features": ",".join(FEATURES),
                "gold_version": gold_version,
                "train_rows": len(train),
                "test_rows": len(test),
            }
        )
        dataset = from_pandas(
            pd.concat([train, test]), source=str(gold_path), name=f"{gold.key}@{gold_version}", targets=TARGET
        )
        mlflow.log_input(dataset, context="training")
        log_training_profile(MODEL_NAME, train, f"{gold.key}@{gold_version}")
        fitted = fit_forecaster(train, params)
        predicted = predict(fitted, test)
        metrics = evaluate(test, predicted, history=train)
        mlflow.log_metrics(metrics)
        importance = feature_importance(fitted)
        mlflow.log_dict(importance.round(3).to_dict(), "feature_importance.json")
        mlflow.log_figure(plots.importance_figure(importance), "plots/feature_importance.png")
        states = plots.showcase_states(test)
        mlflow.log_figure(plots.forecast_figure(test, predicted, states), "plots/forecast_vs_actual.png")
        log_model(DemandModel(fitted, population_table(pd.concat([train, test]))), short_form(test.head(3)))
    return ModelTrained(run.info.run_id, EXPERIMENT, gold_version, metrics)


def register_forecaster(trained: ModelTrained, model_name: str = MODEL_NAME) -> ModelRegistered:
    """Register the run's model and move ``@champion`` only on a lower test RMSE (idempotent per run)."""
    decision = register_and_promote(
        f"runs:/{trained.run_id}/model",
        model_name,
        CHAMPION_METRIC,
        trained.metrics[CHAMPION_METRIC],
        higher_is_better=False,
        run_id=trained.run_id,
    )
    return ModelRegistered(decision.model_name, decision.version, decision.promoted, decision.reason)
