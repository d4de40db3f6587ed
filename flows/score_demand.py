"""Batch-score the demand forecaster: ``models:/icecream-demand@champion`` -> gold/demand_predictions.

Scores the held-out rows of gold/demand_features by default, or any .parquet/.csv
file with the feature columns. Ad hoc::

    python -m flows.score_demand --input-path x.csv --mini-batch-size 5000
"""
from __future__ import annotations

import argparse

from prefect import flow

from smelter.settings import Settings, load_settings
from tasks.score import resolve_model_task, score_to_gold_task

KEY_COLUMNS = ["date", "state"]


@flow(name="score_demand")
def score_demand(model_uri: str = "models:/icecream-demand@champion", input_path: str | None = None,
                 mini_batch_size: int = 10_000, max_concurrency: int = 2, engine: str = "auto",
                 settings: Settings | None = None) -> str:
    """Returns the data folder of the published gold/demand_predictions version."""
    settings = settings or load_settings()
    pinned = resolve_model_task(settings, model_uri)
    return score_to_gold_task(settings, pinned, "demand_predictions", KEY_COLUMNS, input_path,
                              ("gold", "demand_features"), mini_batch_size, max_concurrency, engine)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-uri", default="models:/icecream-demand@champion")
    parser.add_argument("--input-path", default=None, help=".parquet or .csv with the feature columns")
    parser.add_argument("--mini-batch-size", type=int, default=10_000)
    parser.add_argument("--max-concurrency", type=int, default=2)
    parser.add_argument("--engine", choices=["auto", "pandas", "spark"], default="auto")
    args = parser.parse_args(argv)
    folder = score_demand(args.model_uri, args.input_path, args.mini_batch_size, args.max_concurrency, args.engine)
    print(folder)
    return folder


if __name__ == "__main__":
    main()
