"""Batch scoring stage: read an input (:mod:`tasks.common.score_inputs`), score, publish to gold.

Plain functions; the ``@task`` shells are in :mod:`tasks.common.stages`.
A published version holds ``predictions.parquet`` and ``predictions.csv`` (files on
the pandas engine, Spark part-folders on the Spark engine; ``pd.read_parquet``
reads either).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

from smelter import lake
from smelter.scoring import SPARK_MIN_ROWS, check_columns, choose_engine, load_model, score_pandas
from smelter.settings import Settings
from smelter.tracking import configure_mlflow
from tasks.common.score_inputs import (ScoringInputError, describe_input, read_held_out, read_held_out_spark,  # noqa: F401
                                read_input, read_input_spark)

def write_predictions(df: pd.DataFrame, folder: Path) -> int:
    df.to_parquet(folder / "predictions.parquet", index=False)
    df.to_csv(folder / "predictions.csv", index=False)
    return len(df)


def write_predictions_spark(sdf, folder: Path) -> int:
    """Score once into Parquet part files, then copy those to CSV; returns the row count."""
    sdf.write.parquet(str(folder / "predictions.parquet"))
    written = sdf.sparkSession.read.parquet(str(folder / "predictions.parquet"))
    written.write.option("header", True).csv(str(folder / "predictions.csv"))
    return written.count()


def score_to_gold(settings: Settings, model_uri: str, dataset_name: str, key_columns: Sequence[str],
                  input_path: str | Path | None = None, default_input: tuple[str, str] = ("gold", "demand_features"),
                  mini_batch_size: int = 10_000, max_concurrency: int = 2, engine: str = "auto",
                  spark_min_rows: int = SPARK_MIN_ROWS, params: dict | None = None) -> lake.Published:
    """Score ``input_path`` (default: the held-out rows of ``default_input``) with ``model_uri`` (``params``
    go to the model's predict); publish gold/``dataset_name``. Missing columns fail before anything is
    scored; the manifest records model, source, engine and params."""
    configure_mlflow(settings)
    model = load_model(model_uri)
    root, (layer, name) = settings.data_root, default_input
    given = describe_input(root, input_path, default_input)
    path, source = given["path"], given["source"]
    check_columns(given["columns"], [*model.input_columns, *key_columns], source)
    chosen = choose_engine(engine, given["rows"], settings.spark.master, spark_min_rows)
    metadata = {"model_uri": model_uri, "model_name": model.name, "model_version": model.version,
                "source": source, "engine": chosen, "mini_batch_size": mini_batch_size,
                "max_concurrency": max_concurrency, "params": params or {}}
    if chosen == "pandas":
        df = read_input(path) if path else read_held_out(root, layer, name)
        scored = score_pandas(model, df, key_columns, mini_batch_size, max_concurrency, source, params)
        write = lambda folder: write_predictions(scored, folder)  # noqa: E731
    else:
        from smelter.scoring_spark import score_spark
        from smelter.spark import get_spark

        spark = get_spark(settings.spark)
        sdf = read_input_spark(spark, path) if path else read_held_out_spark(spark, root, layer, name)
        scored_sdf = score_spark(spark, model, sdf, key_columns, mini_batch_size, source, params)
        write = lambda folder: write_predictions_spark(scored_sdf, folder)  # noqa: E731
    return lake.publish(root, "gold", dataset_name, write, metadata, settings.lake.keep_versions)


def published_summary(settings: Settings, pub: lake.Published) -> dict:
    """A published predictions version as plain values: dataset, version, path, rows, model, engine."""
    meta = lake.manifest(settings.data_root, pub.layer, pub.name, pub.version)["metadata"]
    return {"dataset": f"{pub.layer}/{pub.name}", "version": pub.version, "path": str(pub.path),
            "rows": pub.rows, "model": f"{meta['model_name']} v{meta['model_version']}", "engine": meta["engine"]}
