"""The Spark path of batch scoring: :func:`smelter.scoring.score_pandas` per Arrow batch in ``mapInPandas``.

The driver downloads the pinned model version once and ships it with
``SparkContext.addFile``, so executors need no access to the MLflow store; each
Python worker loads it once and reuses it for every partition it runs. Works the
same on ``local[*]`` and on a cluster (classic Spark; not Spark Connect).
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from smelter.scoring import ScoringModel, check_columns, score_pandas

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame as SparkDataFrame
    from pyspark.sql import SparkSession

PROBE_ROWS = 8
_worker_models: dict[str, ScoringModel] = {}  # per Python worker: shipped model name -> loaded model
_shipped: dict[tuple[str, str, str], str] = {}  # driver: (Spark app, registry, models:/name/version) -> name


def ship_model(spark: SparkSession, model: ScoringModel) -> str:
    """Add ``model``'s artifacts to the Spark application (once per app and version); returns the
    name for ``SparkFiles.get``. Workers keep a shipped model loaded, so later runs skip the load."""
    import mlflow
    import mlflow.artifacts

    key = (spark.sparkContext.applicationId, mlflow.get_registry_uri(), model.uri)
    if key not in _shipped:
        shipped = f"{model.name}-v{model.version}-{uuid.uuid4().hex[:8]}"
        local = Path(tempfile.mkdtemp(prefix="smelter-ship-")) / shipped
        mlflow.artifacts.download_artifacts(artifact_uri=model.uri, dst_path=str(local))
        spark.sparkContext.addFile(str(local), recursive=True)
        _shipped[key] = shipped
    return _shipped[key]


def worker_model(shipped: str, template: ScoringModel) -> ScoringModel:
    """On an executor: the shipped model, loaded on first use in this Python worker."""
    if shipped not in _worker_models:
        import mlflow.pyfunc
        from pyspark import SparkFiles

        pyfunc = mlflow.pyfunc.load_model(SparkFiles.get(shipped))
        _worker_models[shipped] = replace(template, pyfunc=pyfunc)
    return _worker_models[shipped]


def output_schema(
    spark: SparkSession,
    model: ScoringModel,
    sdf: SparkDataFrame,
    key_columns: Sequence[str],
    params: dict | None = None,
):
    """Spark schema of the scored rows: input key types + a probe prediction's column types + model name/version."""
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    probe = score_pandas(model, sdf.limit(PROBE_ROWS).toPandas(), key_columns, params=params)
    pred_cols = [c for c in probe.columns if c not in (*key_columns, "model_name", "model_version")]
    pred_schema = spark.createDataFrame(probe[pred_cols]).schema if len(probe) else None
    pred_fields = list(pred_schema.fields) if pred_schema else [StructField("prediction", DoubleType())]
    return StructType(
        [sdf.schema[k] for k in key_columns]
        + pred_fields
        + [StructField("model_name", StringType()), StructField("model_version", StringType())]
    )


def score_spark(
    spark: SparkSession,
    model: ScoringModel,
    sdf: SparkDataFrame,
    key_columns: Sequence[str],
    mini_batch_size: int = 10_000,
    source: str = "input",
    params: dict | None = None,
) -> SparkDataFrame:
    """Lazily score ``sdf`` on the cluster; same columns and values as :func:`score_pandas`.

    Concurrency is the cluster's: one task per partition (an input with fewer partitions than
    the cluster has cores is spread out first); ``mini_batch_size`` caps the rows per
    ``predict`` call inside each Arrow batch; ``params`` go to every ``predict`` call.
    """
    check_columns(sdf.columns, [*model.input_columns, *key_columns], source)
    schema = output_schema(spark, model, sdf, key_columns, params)
    shipped = ship_model(spark, model)
    template = replace(model, pyfunc=None)  # shipped to executors without the driver's loaded model
    keys = list(key_columns)
    inputs = model.columns_in(sdf.columns)
    needed = list(dict.fromkeys([*keys, *inputs])) if inputs else sdf.columns

    def score_batches(batches: Iterable[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        loaded = worker_model(shipped, template)
        for batch in batches:
            yield score_pandas(loaded, batch, keys, mini_batch_size, 1, source, params)

    cores = spark.sparkContext.defaultParallelism
    selected = sdf.select(*needed)
    if selected.rdd.getNumPartitions() < cores:
        selected = selected.repartition(cores)
    return selected.mapInPandas(score_batches, schema)
