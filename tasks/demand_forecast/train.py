"""Train the forecaster on gold, track it in MLflow, register it and apply the champion rule.

``train_and_track`` is the one function that touches MLflow: parameters, test
RMSE / MAE / MAPE for the model and the seasonal-naive baseline, the gold
dataset as a run input with its digest, the model with signature and input
example, feature-importance and forecast-vs-actual plots, then registration of
a new ``demand-forecast`` version and the champion decision.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timezone

import pandas as pd

from smelter import lake
from smelter.naming import DEMAND_FORECAST as P
from smelter.settings import Settings
from smelter.registry import register_and_promote
from smelter.tracking import experiment_id, pip_requirements
from tasks.demand_forecast import plots
from tasks.demand_forecast.evaluate import evaluate
from tasks.demand_forecast.features import FEATURES, TARGET
from tasks.demand_forecast.model import ForecasterParams, feature_importance, fit_forecaster, predict

MODEL_NAME = P.model_name
EXPERIMENT = P.experiment
SKOPS_TRUSTED = ["collections.OrderedDict", "lightgbm.basic.Booster", "lightgbm.sklearn.LGBMRegressor",
                 "tasks.demand_forecast.model.CategoryCast"]


def split_frames(gold: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Gold -> (train, test) by its ``split`` column; an empty part is a clear error."""
    train, test = gold[gold["split"] == "train"], gold[gold["split"] == "test"]
    if train.empty or test.empty:
        raise ValueError(f"gold/demand_features needs train and test rows; has {len(train)} train, "
                         f"{len(test)} test: check the data's date range against test_start")
    return train.reset_index(drop=True), test.reset_index(drop=True)


def train_and_track(settings: Settings, params: ForecasterParams, model_name: str = MODEL_NAME) -> dict:
    """Fit on gold's train rows, evaluate on its test rows, log, register, promote; returns a summary."""
    import mlflow
    from mlflow.models import infer_signature

    root = settings.data_root
    gold_version = lake.current_version(root, "gold", "demand_features")
    gold_path = lake.data_path(root, "gold", "demand_features", gold_version)
    train, test = split_frames(lake.read_pandas(root, "gold", "demand_features", gold_version))
    run_name = f"lightgbm-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}"
    with mlflow.start_run(experiment_id=experiment_id(settings, EXPERIMENT), run_name=run_name) as run:
        mlflow.log_params(asdict(params) | {"features": ",".join(FEATURES), "gold_version": gold_version,
                                            "train_rows": len(train), "test_rows": len(test)})
        dataset = mlflow.data.from_pandas(pd.concat([train, test]), source=str(gold_path),
                                          name=f"gold/demand_features@{gold_version}", targets=TARGET)
        mlflow.log_input(dataset, context="training")
        model = fit_forecaster(train, params)
        predicted = predict(model, test)
        metrics = evaluate(test, predicted, history=train)
        mlflow.log_metrics(metrics)
        importance = feature_importance(model)
        mlflow.log_dict(importance.round(3).to_dict(), "feature_importance.json")
        mlflow.log_figure(plots.importance_figure(importance), "plots/feature_importance.png")
        states = plots.showcase_states(test)
        mlflow.log_figure(plots.forecast_figure(test, predicted, states), "plots/forecast_vs_actual.png")
        info = mlflow.sklearn.log_model(
            model, name="model", signature=infer_signature(test[FEATURES], predicted),
            input_example=test[FEATURES].head(3), pip_requirements=pip_requirements("lightgbm", "scikit-learn"),
            skops_trusted_types=SKOPS_TRUSTED,
        )
        decision = register_and_promote(info.model_uri, model_name, "test_rmse", metrics["test_rmse"],
                                        higher_is_better=False, run_id=run.info.run_id)
    return {"run_id": run.info.run_id, "gold_version": gold_version, "metrics": metrics,
            "promotion": decision.to_dict()}
