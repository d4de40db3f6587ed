"""The Spark path of batch scoring: :func:`smelter.scoring.score_pandas` per Arrow batch in ``mapInPandas``.

The driver downloads the pinned model version once, zips it and ships the zip with the engine's own
mechanism: ``SparkContext.addFile`` on a classic session (local or a cluster: a folder would be
refused on a cluster), ``SparkSession.addArtifacts(file=True)`` over Spark Connect. Executors need no
access to the MLflow store; each Python worker unpacks and loads the model once and reuses it for
every partition it runs, with OpenMP capped at the task's cores (a model's own threads would
oversubscribe them). The project's own code reaches the executors through
:func:`smelter.spark.ship_project_code`. Throughput against the in-process path, per engine:
``python -m bench.bench_engines``.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from smelter.scoring import ScoringModel, check_columns, limit_model_threads, score_pandas
from smelter.spark import add_file, default_parallelism, num_partitions, session_key

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame as SparkDataFrame
    from pyspark.sql import SparkSession

PROBE_ROWS = 8
_worker_models: dict[str, ScoringModel] = {}  # per Python worker: shipped model name -> loaded model
_shipped: dict[tuple[str, str, str], str] = {}  # driver: (Spark session, registry, models:/name/version) -> zip name


def ship_model(spark: SparkSession, model: ScoringModel) -> str:
    """Add ``model``'s artifacts, zipped, to the Spark session (once per session and version); returns the
    zip's name for ``SparkFiles.get``. Workers keep a shipped model loaded, so later runs skip the load."""
    import mlflow
    import mlflow.artifacts

    key = (session_key(spark), mlflow.get_registry_uri(), model.uri)
    if key not in _shipped:
        name = f"{model.name}-v{model.version}-{uuid.uuid4().hex[:8]}"
        work = Path(tempfile.mkdtemp(prefix="smelter-ship-"))
        folder = mlflow.artifacts.download_artifacts(artifact_uri=model.uri, dst_path=str(work / "model"))
        archive = shutil.make_archive(str(work / name), "zip", folder)
        add_file(spark, archive)
        _shipped[key] = Path(archive).name
    return _shipped[key]


def worker_model(shipped: str, template: ScoringModel) -> ScoringModel:
    """On an executor: the shipped model, unpacked and loaded on first use in this Python worker.

    Before the model's libraries load, OpenMP is capped at the task's cores (``spark.task.cpus``): each
    concurrent task has its own Python worker, so a model's own threads (LightGBM's ``n_jobs``) would
    oversubscribe the executor's cores."""
    if shipped not in _worker_models:
        import mlflow.pyfunc
        from pyspark import SparkFiles, TaskContext

        context = TaskContext.get()
        limit_model_threads(context.cpus() if context is not None else 1)
        folder = Path(tempfile.mkdtemp(prefix="smelter-model-"))
        with zipfile.ZipFile(SparkFiles.get(shipped)) as archive:
            archive.extractall(folder)
        _worker_models[shipped] = replace(template, pyfunc=mlflow.pyfunc.load_model(str(folder)))
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

    return spread(sdf.select(*needed), default_parallelism(spark), keys).mapInPandas(score_batches, schema)


def spread(sdf: SparkDataFrame, cores: int, keys: Sequence[str]) -> SparkDataFrame:
    """``sdf`` over at least ``cores`` partitions (over Connect, whose client cannot count them: always).

    Hash-partitioned by the key columns (all columns without keys): each partition keeps the input's row
    order, so an Arrow batch holds neighbouring rows as a pandas mini-batch does (a model's per-batch work,
    e.g. lookups per distinct state and year, stays small), and no sort is needed. A round-robin
    ``repartition(n)`` sorts every row first (for a deterministic retry) and scatters neighbours."""
    if (num_partitions(sdf) or 0) >= cores:
        return sdf
    return sdf.repartition(cores, *(keys or sdf.columns))
