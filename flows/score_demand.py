"""Batch-score the demand forecaster: ``models:/icecream-demand@champion`` -> gold/demand_predictions.

Scores the held-out rows of gold/demand_features by default, or any .parquet/.csv
file with the feature columns. Ad hoc::

    python -m flows.score_demand --input-path x.csv --mini-batch-size 5000
"""
from __future__ import annotations

from prefect import flow

from smelter.artifacts import publish_run_summary
from smelter.hooks import notify_failure, run_name
from smelter.settings import load_settings
from tasks.score import resolve_model_task, score_to_gold_task

KEY_COLUMNS = ["date", "state"]


@flow(name="score-demand", flow_run_name=run_name("score-demand-{model_uri}"), log_prints=True,
      timeout_seconds=3600, on_failure=[notify_failure])
def score_demand(model_uri: str = "models:/icecream-demand@champion", input_path: str | None = None,
                 mini_batch_size: int = 10_000, max_concurrency: int = 2, engine: str = "auto") -> dict:
    """Score with the pinned model version; returns the published gold/demand_predictions version."""
    settings = load_settings()
    pinned = resolve_model_task(settings, model_uri)
    return publish_run_summary(score_to_gold_task(settings, pinned, "demand_predictions", KEY_COLUMNS, input_path,
                               ("gold", "demand_features"), mini_batch_size, max_concurrency, engine))


if __name__ == "__main__":
    from smelter.cli import run_flow_cli

    run_flow_cli(score_demand)
