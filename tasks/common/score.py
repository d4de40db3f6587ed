"""Batch scoring stage: read an input (:mod:`tasks.common.score_inputs`), score, publish to gold.

Plain functions; the ``@task`` shells are in :mod:`tasks.common.stages`. The pandas engine streams
(:mod:`tasks.common.score_stream`): memory follows the mini-batch, not the input. A predictions dataset
holds Parquet and CSV (see its formats in :mod:`smelter.catalog`); read a version through
:class:`smelter.lake.Lake` (``read_pandas``, ``format_path(ds, "csv")``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from smelter.catalog import GOLD_DEMAND_FEATURES, Dataset
from smelter.lake import Lake, Published
from smelter.results import DatasetPublished
from smelter.scoring import SPARK_MIN_ROWS, check_columns, choose_engine, load_model
from smelter.settings import Settings
from smelter.tracking import configure_mlflow
from tasks.common.score_inputs import (  # noqa: F401
    ScoringInputError,
    describe_input,
    held_out,
    input_batches,
    read_held_out_spark,
    read_input_spark,
)
from tasks.common.score_stream import rebatch, score_tables, stream_columns, write_scored


def score_to_gold(
    settings: Settings,
    model_uri: str,
    output: Dataset,
    key_columns: Sequence[str],
    input_path: str | Path | None = None,
    default_input: Dataset = GOLD_DEMAND_FEATURES,
    mini_batch_size: int | None = None,
    max_concurrency: int | None = None,
    engine: str = "auto",
    spark_min_rows: int = SPARK_MIN_ROWS,
    params: dict | None = None,
) -> Published:
    """Score ``input_path`` (default: the held-out rows of ``default_input``) with ``model_uri`` (``params``
    go to the model's predict); publish a version of ``output``. ``mini_batch_size`` and ``max_concurrency``
    default to ``settings.scoring``'s. Missing columns fail before anything is scored; the manifest records
    model, source, engine, batch size and params."""
    mini_batch_size = settings.scoring.mini_batch_size if mini_batch_size is None else mini_batch_size
    max_concurrency = settings.scoring.max_concurrency if max_concurrency is None else max_concurrency
    configure_mlflow(settings)
    model = load_model(model_uri)
    lake = Lake.of(settings)
    given = describe_input(lake, input_path, default_input)
    path, source = given["path"], given["source"]
    check_columns(given["columns"], [*model.input_columns, *key_columns], source)
    chosen = choose_engine(engine, given["rows"], settings.spark.master, spark_min_rows)
    metadata = {
        "model_uri": model_uri,
        "model_name": model.name,
        "model_version": model.version,
        "source": source,
        "engine": chosen,
        "mini_batch_size": mini_batch_size,
        "max_concurrency": max_concurrency,
        "params": params or {},
    }
    if chosen == "pandas":
        columns = stream_columns(model, key_columns, given["columns"])

        def write(folder: Path) -> int:
            if path:
                reader = input_batches(path, columns, mini_batch_size)
            else:
                reader = held_out(lake, default_input).batches(columns, mini_batch_size)
            tables = rebatch(reader, mini_batch_size)
            scored = score_tables(model, tables, key_columns, mini_batch_size, max_concurrency, source, params)
            return write_scored(output, folder, scored)

        return lake.publish(output, write, metadata)
    from smelter.scoring_spark import score_spark
    from smelter.spark import get_lake_spark

    spark = get_lake_spark(settings)
    sdf = read_input_spark(spark, path) if path else read_held_out_spark(spark, lake, default_input)
    return lake.publish_spark(
        output, score_spark(spark, model, sdf, key_columns, mini_batch_size, source, params), metadata
    )


def published_summary(settings: Settings, pub: Published) -> DatasetPublished:
    """A published predictions version as a result; ``detail`` names model and engine
    (e.g. "model demand-forecast v3, engine pandas")."""
    meta = Lake.of(settings).manifest(f"{pub.layer}/{pub.name}", pub.version)["metadata"]
    return DatasetPublished.of(
        pub, detail=f"model {meta['model_name']} v{meta['model_version']}, engine {meta['engine']}"
    )
