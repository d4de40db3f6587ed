"""Evaluation of a sampled run: posterior predictive on train and test, metrics, threshold, plots,
and the pyfunc model logged with its preprocessing, draws and chosen threshold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smelter.portable import log_portable_model
from smelter.settings import Settings
from smelter.tracking import pip_requirements
from tasks.heart_risk import plots
from tasks.heart_risk.features import design, read_features
from tasks.heart_risk.metrics import choose_threshold, classification_metrics, threshold_table
from tasks.heart_risk.model import HeartRiskModel, signature_for
from tasks.heart_risk.predictive import draw_probabilities
from tasks.heart_risk.schema import FEATURES, TARGET

PORTABLE = [
    "tasks.heart_risk.model",
    "tasks.heart_risk.predictive",
    "tasks.heart_risk.preprocess",
    "tasks.heart_risk.schema",
]  # logged with the model: everything it needs to load and score
SHOWCASE = 4  # test patients whose posterior-predictive distribution is plotted


def evaluate_draws(gold: pd.DataFrame, w: np.ndarray, b: np.ndarray, min_recall: float) -> dict:
    """Mean predictive probabilities per split -> threshold (train only), metrics, threshold table."""
    probs = {s: draw_probabilities(design(gold, s)[0], w, b) for s in ("train", "test")}
    y = {s: design(gold, s)[1] for s in ("train", "test")}
    table = threshold_table(y["train"], probs["train"].mean(axis=1))
    threshold = choose_threshold(table, min_recall)
    metrics = {
        f"{s}_{k}": v
        for s in ("train", "test")
        for k, v in classification_metrics(y[s], probs[s].mean(axis=1), threshold).items()
    }
    return {"threshold": threshold, "metrics": metrics, "table": table, "probs": probs, "y": y}


def showcase(probs: np.ndarray, k: int = SHOWCASE) -> np.ndarray:
    """Row indices of ``k`` patients spread over the range of mean probability (deterministic)."""
    order = np.argsort(probs.mean(axis=1), kind="stable")
    return order[np.linspace(0, len(order) - 1, k).round().astype(int)]


def log_heart_model(model: HeartRiskModel, example: pd.DataFrame):
    """Log the registered form in the active run: the pyfunc with its own code (``PORTABLE``), signature,
    input example and exact pip requirements; returns MLflow's ModelInfo."""
    return log_portable_model(model, PORTABLE, signature_for(example, model), example, pip_requirements())


def evaluate_and_log(settings: Settings, run_id: str, min_recall: float, level: float) -> dict:
    """Evaluate the run's draws, log metrics, threshold table, plots and the model; returns metrics + threshold."""
    import mlflow

    from tasks.heart_risk.train import load_posterior

    gold, prep = read_features(settings)
    w, b = load_posterior(run_id).flat()
    result = evaluate_draws(gold, w, b, min_recall)
    test = gold[gold["split"] == "test"].reset_index(drop=True)
    picked = showcase(result["probs"]["test"])
    model = HeartRiskModel(prep, w, b, result["threshold"], level)
    example = test[list(FEATURES)].head(3)
    with mlflow.start_run(run_id=run_id):
        mlflow.log_params({"threshold": result["threshold"], "min_recall": min_recall, "interval_level": level})
        mlflow.log_metrics(result["metrics"])
        mlflow.log_table(result["table"], "evaluation/threshold_table.json")
        curves = {s: (result["y"][s], result["probs"][s].mean(axis=1)) for s in ("train", "test")}
        mlflow.log_figure(plots.roc_figure(curves), "plots/roc.png")
        mlflow.log_figure(
            plots.predictive_figure(
                result["probs"]["test"][picked],
                test[TARGET].to_numpy()[picked],
                test["patient_id"].to_numpy()[picked],
                level,
            ),
            "plots/posterior_predictive.png",
        )
        log_heart_model(model, example)
    return {"threshold": result["threshold"], **result["metrics"]}
