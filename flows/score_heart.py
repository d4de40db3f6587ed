"""Batch-score patient files: ``models:/heart-disease-bayes@champion`` -> gold/heart_predictions.

Scores the held-out rows of gold/heart_features by default, or any .parquet/.csv patient file with
the raw columns (Age, Sex, ChestPainType, ...). Output per patient: the key columns, probability,
lower, upper (90 % credible interval), label, model_name, model_version. Ad hoc::

    python -m flows.score_heart --input-path patients.csv --key-columns ''
"""
from __future__ import annotations

from prefect import flow

from smelter.artifacts import publish_run_summary
from smelter.hooks import notify_failure, run_name
from smelter.settings import load_settings
from tasks.score import resolve_model_task, score_to_gold_task

MODEL_URI = "models:/heart-disease-bayes@champion"


@flow(name="score-heart-patients", flow_run_name=run_name("score-heart-{model_uri}"), log_prints=True,
      timeout_seconds=3600, on_failure=[notify_failure])
def score_heart_patients(model_uri: str = MODEL_URI, input_path: str | None = None,
                         key_columns: list[str] | None = None, mini_batch_size: int = 2_000,
                         max_concurrency: int = 1, engine: str = "pandas", unknown: str = "error") -> dict:
    """Score, publish gold/heart_predictions; returns the published version (dataset, version, path, rows, ...).

    ``key_columns`` defaults to ``["patient_id"]``; pass ``[]`` for a file without an id column.
    ``unknown``: a category the model never saw is an ``"error"`` (naming row and column), or
    ``"marginal"`` (scored as the training mix of that feature's categories).
    """
    settings = load_settings()
    keys = ["patient_id"] if key_columns is None else key_columns
    pinned = resolve_model_task(settings, model_uri)
    return publish_run_summary(score_to_gold_task(settings, pinned, "heart_predictions", keys, input_path,
                               ("gold", "heart_features"), mini_batch_size, max_concurrency, engine,
                               {"unknown": unknown}))


if __name__ == "__main__":
    from smelter.cli import run_flow_cli

    run_flow_cli(score_heart_patients)
