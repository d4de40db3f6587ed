"""Batch scoring stage: read an input (a lake dataset's held-out rows or a user file), score, publish to gold.

Plain functions do the work; the ``@task`` shells at the bottom only call them.
A published version holds ``predictions.parquet`` and ``predictions.csv`` (files on
the pandas engine, Spark part-folders on the Spark engine; ``pd.read_parquet``
reads either).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from smelter import lake
from smelter.scoring import (SPARK_MIN_ROWS, check_columns, choose_engine, load_model, resolve_model,
                             score_pandas)
from smelter.settings import Settings
from smelter.tracking import configure_mlflow

HELD_OUT = "test"  # rows of a features dataset whose ``split`` is this are scored by default


class ScoringInputError(ValueError):
    """A scoring input file is missing, unreadable or of an unsupported type."""


def _file_kind(path: Path) -> str:
    kind = path.suffix.lower().lstrip(".")
    if kind not in ("parquet", "csv"):
        raise ScoringInputError(f"scoring input {path}: unsupported file type {path.suffix!r} (use .parquet or .csv)")
    if not path.exists():
        raise ScoringInputError(f"scoring input {path} does not exist")
    return kind


def input_columns(path: Path) -> list[str]:
    """Column names of a .parquet/.csv file or a lake data folder (its schema or header only)."""
    import pyarrow.dataset as ds

    try:
        if path.is_dir() or _file_kind(path) == "parquet":
            return ds.dataset(path, format="parquet").schema.names
        return list(pd.read_csv(path, nrows=0).columns)
    except ScoringInputError:
        raise
    except Exception as exc:
        raise ScoringInputError(f"scoring input {path} is unreadable: {exc}") from exc


def count_rows(path: Path) -> int:
    """Rows of a .parquet (footer metadata) or .csv (lines minus the header) file."""
    import pyarrow.dataset as ds

    if _file_kind(path) == "parquet":
        return ds.dataset(path, format="parquet").count_rows()
    with path.open("rb") as fh:
        return max(sum(1 for _ in fh) - 1, 0)


def read_input(path: Path) -> pd.DataFrame:
    """A user's .parquet or .csv file as a DataFrame; a clear error names an unreadable one."""
    try:
        return pd.read_parquet(path) if _file_kind(path) == "parquet" else pd.read_csv(path)
    except ScoringInputError:
        raise
    except Exception as exc:
        raise ScoringInputError(f"scoring input {path} is unreadable: {exc}") from exc


def read_held_out(root: Path, layer: str, name: str) -> pd.DataFrame:
    """The ``split == "test"`` rows of a lake features dataset (without ``split``)."""
    df = lake.read_pandas(root, layer, name)
    return df[df["split"] == HELD_OUT].drop(columns="split").reset_index(drop=True)


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


def read_input_spark(spark, path: Path):
    """A user's .parquet or .csv file as a Spark DataFrame (CSV types inferred)."""
    kind = _file_kind(path)
    if kind == "parquet":
        return spark.read.parquet(str(path))
    return spark.read.option("header", True).option("inferSchema", True).csv(str(path))


def read_held_out_spark(spark, root: Path, layer: str, name: str):
    sdf = lake.read_spark(spark, root, layer, name)
    return sdf.where(sdf["split"] == HELD_OUT).drop("split")


def held_out_rows(root: Path, layer: str, name: str) -> int:
    import pyarrow.dataset as ds

    data = ds.dataset(lake.data_path(root, layer, name), format="parquet")
    return data.count_rows(filter=ds.field("split") == HELD_OUT)


def describe_input(root: Path, input_path: str | Path | None, default_input: tuple[str, str]) -> dict:
    """Where the rows come from: path (None for the lake's held-out rows), source text, columns, row count."""
    layer, name = default_input
    if input_path is None:
        return {"path": None, "source": f"{layer}/{name} (split == {HELD_OUT!r})",
                "columns": input_columns(lake.data_path(root, layer, name)),
                "rows": held_out_rows(root, layer, name)}
    path = Path(input_path)
    return {"path": path, "source": str(path), "columns": input_columns(path), "rows": count_rows(path)}


def score_to_gold(settings: Settings, model_uri: str, dataset_name: str, key_columns: Sequence[str],
                  input_path: str | Path | None = None, default_input: tuple[str, str] = ("gold", "demand_features"),
                  mini_batch_size: int = 10_000, max_concurrency: int = 2, engine: str = "auto",
                  spark_min_rows: int = SPARK_MIN_ROWS) -> lake.Published:
    """Score ``input_path`` (default: the held-out rows of ``default_input``) with ``model_uri``; publish
    gold/``dataset_name``. Missing columns fail before anything is scored; the manifest records model,
    source and engine."""
    configure_mlflow(settings)
    model = load_model(model_uri)
    root, (layer, name) = settings.data_root, default_input
    given = describe_input(root, input_path, default_input)
    path, source = given["path"], given["source"]
    check_columns(given["columns"], [*model.input_columns, *key_columns], source)
    chosen = choose_engine(engine, given["rows"], settings.spark.master, spark_min_rows)
    metadata = {"model_uri": model_uri, "model_name": model.name, "model_version": model.version,
                "source": source, "engine": chosen, "mini_batch_size": mini_batch_size,
                "max_concurrency": max_concurrency}
    if chosen == "pandas":
        df = read_input(path) if path else read_held_out(root, layer, name)
        scored = score_pandas(model, df, key_columns, mini_batch_size, max_concurrency, source)
        write = lambda folder: write_predictions(scored, folder)  # noqa: E731
    else:
        from smelter.scoring_spark import score_spark
        from smelter.spark import get_spark

        spark = get_spark(settings.spark)
        sdf = read_input_spark(spark, path) if path else read_held_out_spark(spark, root, layer, name)
        scored_sdf = score_spark(spark, model, sdf, key_columns, mini_batch_size, source)
        write = lambda folder: write_predictions_spark(scored_sdf, folder)  # noqa: E731
    return lake.publish(root, "gold", dataset_name, write, metadata, settings.lake.keep_versions)


# --- Prefect shells ---------------------------------------------------------------------------

@task(name="resolve-model", cache_policy=NO_CACHE)
def resolve_model_task(settings: Settings, model_uri: str) -> str:
    """``models:/name@alias`` -> the pinned ``models:/name/version`` every later step uses."""
    configure_mlflow(settings)
    name, version, _ = resolve_model(model_uri)
    return f"models:/{name}/{version}"


@task(name="score-to-gold", cache_policy=NO_CACHE)
def score_to_gold_task(settings: Settings, model_uri: str, dataset_name: str, key_columns: list[str],
                       input_path: str | None = None, default_input: tuple[str, str] = ("gold", "demand_features"),
                       mini_batch_size: int = 10_000, max_concurrency: int = 2, engine: str = "auto") -> dict:
    """Score and publish; returns the published version (dataset, version, path, rows, model, engine)."""
    pub = score_to_gold(settings, model_uri, dataset_name, key_columns, input_path, default_input,
                        mini_batch_size, max_concurrency, engine)
    meta = lake.manifest(settings.data_root, pub.layer, pub.name, pub.version)["metadata"]
    return {"dataset": f"{pub.layer}/{pub.name}", "version": pub.version, "path": str(pub.path),
            "rows": pub.rows, "model": f"{meta['model_name']} v{meta['model_version']}", "engine": meta["engine"]}
