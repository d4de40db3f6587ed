"""Delta Lake tables (through delta-rs) for the datasets that grow and are updated by partition.

A table is a folder of hive-style partition folders (``year=2022/month=1/``) holding Parquet
files, and ``_delta_log/``: one JSON commit per version saying which files it adds and removes.
A version is what its commit says, so replacing a month removes and adds that month's files
only; the other partitions' files stay where they are and the new version costs the new data.

Spark (4.1 here, without the Delta jars) writes plain Parquet into ``<table>/_staging/<id>/``
(``_`` folders are skipped by Delta readers and ``vacuum``); the files are renamed into the
table's partition folders and ONE delta-rs commit adds them, removing the old files of the
partitions replaced. pandas frames take the same way (pyarrow writes the staging folder), so both
engines share one commit, one meaning of ``replace`` and one clean-up: a failed or conflicting
write deletes exactly its own files (``deltalake.write_deltalake`` leaves a losing writer's files
behind in the partition folders). Spark reads a version's file list (:func:`read_spark`): ``read.parquet`` of
the folder would also read removed and uncommitted files.

Each commit also carries one Delta app transaction per partition it writes: two writers that
replace the same partition at once cannot both commit; the second gets
:class:`ConcurrentWriteError` and its files are deleted. delta-rs takes such a commit to have read
the whole table, so it also conflicts with any commit since its snapshot that removed files, in
any partition (safe, not fine-grained: the loser runs again). A writer that computed its data from
the table itself passes the version it read (``read_version``) so that commits made since then
are checked too.

Partition values are compared as Delta stores them (text: ``2022``, ``2022-01-31``); keep
partition columns to integers, dates and plain strings.

Callers import the whole API from here: the table, its log and the commit's types live in
:mod:`smelter.delta_table` (re-exported, ``X as X``), the staging and commit internals in
:mod:`smelter.delta_commit`, the packing of Arrow streams into partition files in :mod:`smelter.delta_pack`.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from smelter.catalog import DatasetNotFoundError
from smelter.delta_commit import commit_staged, staged_files
from smelter.delta_pack import write_packed as write_packed
from smelter.delta_table import ConcurrentWriteError as ConcurrentWriteError
from smelter.delta_table import DeltaCommit, Replace, load, partition_key, remove_empty_dirs
from smelter.delta_table import DeltaVersion as DeltaVersion
from smelter.delta_table import current_version as current_version
from smelter.delta_table import exists as exists
from smelter.delta_table import history as history
from smelter.delta_table import manifest as manifest

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import pyarrow as pa
    from deltalake import DeltaTable
    from pyspark.sql import DataFrame as SparkDataFrame
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StructType

STAGING = "_staging"
SPARK_READS = {"timestampNtz"}  # reader features that need nothing more than reading the Parquet files


# --- reading ----------------------------------------------------------------------------------


def read_pandas(
    table: Path,
    version: int | None = None,
    columns: list[str] | None = None,
    partitions: Sequence[dict[str, Any]] | None = None,
) -> pd.DataFrame:
    """The table (at ``version``) as pandas; ``partitions`` keeps those partitions only (e.g.
    ``[{"year": 2022, "month": 1}]``)."""
    filters = [[(k, "=", v) for k, v in p.items()] for p in partitions] if partitions else None
    return load(table, version).to_pandas(columns=columns, filters=filters)


def file_uris(table: Path, version: int | None = None) -> list[str]:
    """The Parquet files that make up a version (absolute paths)."""
    return load(table, version).file_uris()


def read_spark(
    spark: SparkSession,
    table: Path,
    version: int | None = None,
    partitions: Sequence[dict[str, Any]] | None = None,
    *,
    groups: Sequence[Sequence[dict[str, Any]]] | None = None,
) -> SparkDataFrame:
    """The table (at ``version``) in Spark: its file list (only ``partitions``' files when given, as in
    :func:`read_pandas`), partition columns from the folder names, column types and order from the
    Delta schema.

    ``groups`` (instead of ``partitions``): lists of partitions, each read by a scan of its own in
    ``default_parallelism // len(groups)`` tasks (at least two), the scans unioned. Spark packs one
    scan's files into tasks by size, largest first, so every task would mix every group's rows and a
    write partitioned by month would write a file per month per task; with a scan per group (e.g. the
    files of one year) in few tasks it writes about a file per month per task of the group. (A scan per
    month costs more: each scan is planned and compiled on its own, ~0.6 CPU s each.)"""
    if partitions is not None and groups is not None:
        raise ValueError("read_spark takes partitions or groups of partitions, not both")
    dt = load(table, version)
    protocol = dt.protocol()
    unsupported = set(protocol.reader_features or []) - SPARK_READS
    if protocol.min_reader_version > 1 and (protocol.reader_features is None or unsupported):
        raise ValueError(
            f"Delta table {table} needs reader version {protocol.min_reader_version} with features "
            f"{sorted(unsupported)}: a Spark without the Delta jars reads plain Parquet files only"
        )
    schema = _spark_schema(dt)
    if partitions is None and groups is None:
        scans = [dt.file_uris()]
    else:
        import pyarrow as pa

        actions = pa.table(dt.get_add_actions(flatten=False)).to_pylist()
        scans = [_partition_files(actions, table, group) for group in (groups or [partitions or []])]
    frames = [
        spark.read.schema(schema).option("basePath", str(table)).parquet(*files).select(*schema.names)
        for files in scans
        if files
    ]
    if groups is not None and frames:
        from smelter.spark import default_parallelism

        # two at least: a union of one-partition scans is planned as ONE partition (partition-wise union)
        tasks = max(2, default_parallelism(spark) // len(frames))
        frames = [frame.coalesce(tasks) for frame in frames]
    if not frames:
        return spark.createDataFrame([], schema)
    return reduce(lambda a, b: a.unionByName(b), frames)


def _partition_files(actions: list[dict], table: Path, partitions: Sequence[dict[str, Any]]) -> list[str]:
    """The files (of a version's add ``actions``) holding ``partitions``."""
    names = list(partitions[0]) if partitions else []
    wanted = {partition_key(p, names) for p in partitions}
    return [str(table / unquote(a["path"])) for a in actions if partition_key(a["partition"] or {}, names) in wanted]


def _spark_schema(dt: DeltaTable) -> StructType:
    import pyarrow as pa
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(pa.schema(dt.schema().to_arrow()), prefer_timestamp_ntz=True)  # naive = timestamp_ntz


# --- writing ----------------------------------------------------------------------------------


def write_spark(
    sdf: SparkDataFrame,
    table: Path,
    partition_by: Sequence[str] = (),
    replace: Replace = "all",
    metadata: dict[str, Any] | None = None,
    *,
    read_version: int | None = None,
    check: Callable[[SparkDataFrame], dict[str, Any] | None] | None = None,
) -> DeltaCommit:
    """Write ``sdf`` as a new version: Spark writes Parquet into staging, the files move into the
    table and one commit adds them. ``replace``: ``"all"`` (the table becomes ``sdf``),
    ``"partitions"`` (the partitions ``sdf`` holds are replaced, the others kept) or a list of
    partitions to replace (``sdf`` must fall inside them; those it does not fill become empty).
    ``read_version``: the version ``sdf`` was computed from, when it was computed from this table:
    a commit since then to the same partitions makes this one a :class:`ConcurrentWriteError`
    (by default the commit is checked against the latest version when it is made).

    ``check(written)``: called with the staged files as a frame (``sdf``'s columns and types) before
    the commit; it may raise (nothing is committed, the staged files are deleted) or return more
    metadata for the commit. ``sdf`` is computed once, by the write, and a gate reads compact Parquet
    instead of caching the frame."""
    from pyspark.sql.pandas.types import to_arrow_schema

    writer = sdf.write.mode("error")
    writer = writer.partitionBy(*partition_by) if partition_by else writer
    with _staging(Path(table)) as staging:
        writer.parquet(str(staging))
        if check is not None:
            reader = sdf.sparkSession.read.schema(sdf.schema).option("basePath", str(staging))
            metadata = {**(metadata or {}), **(check(reader.parquet(str(staging)).select(*sdf.columns)) or {})}
        schema = to_arrow_schema(sdf.schema)
        return commit_parquet(table, staging, schema, partition_by, replace, metadata, read_version=read_version)


def write_pandas(
    df: pd.DataFrame,
    table: Path,
    partition_by: Sequence[str] = (),
    replace: Replace = "all",
    metadata: dict[str, Any] | None = None,
    *,
    read_version: int | None = None,
) -> DeltaCommit:
    """Write ``df`` as a new version, ``replace`` as in :func:`write_spark`: pyarrow writes the
    partition folders into staging and the same commit as Spark's adds them."""
    import pyarrow as pa

    data = pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)
    return write_arrow([data], table, data.schema, partition_by, replace, metadata, read_version=read_version)


def write_arrow(
    tables: Iterable[pa.Table],
    table: Path,
    schema: pa.Schema,
    partition_by: Sequence[str] = (),
    replace: Replace = "all",
    metadata: dict[str, Any] | None = None,
    *,
    read_version: int | None = None,
) -> DeltaCommit:
    """Write a stream of Arrow tables of ``schema`` (e.g. one per landing file) as ONE new version,
    ``replace`` as in :func:`write_spark`. Consecutive tables of a partition are packed into one file of
    row groups of up to ``delta_pack.ROW_GROUP_ROWS`` rows (a month of daily files: one file, not thirty); memory
    follows one row group, not the stream."""
    schema = _microseconds(schema.empty_table()).schema
    with _staging(Path(table)) as staging:
        write_packed((_microseconds(data).select(schema.names).cast(schema) for data in tables), staging, partition_by)
        return commit_parquet(table, staging, schema, partition_by, replace, metadata, read_version=read_version)


def _microseconds(data: pa.Table) -> pa.Table:
    """Timestamps in microseconds, Delta's unit (nanoseconds, pandas' unit, would need the
    ``timestampNanos`` table feature, which delta-rs itself cannot read)."""
    import pyarrow as pa

    fields = [
        pa.field(f.name, pa.timestamp("us", f.type.tz), f.nullable) if pa.types.is_timestamp(f.type) else f
        for f in data.schema
    ]
    return data.cast(pa.schema(fields))


@contextmanager
def _staging(table: Path) -> Iterator[Path]:
    """A fresh ``<table>/_staging/<id>`` folder for an engine to write into, deleted afterwards
    (the files committed have been moved out of it by then)."""
    staging = table / STAGING / uuid.uuid4().hex
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        remove_empty_dirs(staging.parent, table)


def commit_parquet(
    table: Path,
    staging: Path,
    schema: pa.Schema,
    partition_by: Sequence[str] = (),
    replace: Replace = "all",
    metadata: dict[str, Any] | None = None,
    *,
    read_version: int | None = None,
) -> DeltaCommit:
    """Commit the Parquet files an engine wrote into ``staging`` (hive-style partition folders, on
    the table's filesystem) as a new version of ``table`` with columns ``schema``: they are renamed
    into the table's partition folders and one commit adds them; ``replace`` as in :func:`write_spark`.
    The first commit creates the table."""
    staged = staged_files(Path(staging), partition_by)
    dt = _load_or_none(Path(table), read_version)
    return commit_staged(Path(table), dt, staged, schema, partition_by, replace, metadata)


def _load_or_none(table: Path, read_version: int | None = None) -> DeltaTable | None:
    """The snapshot a commit is made on: ``read_version`` (commits since then are checked for
    conflicts), else the latest; ``None`` when there is no table yet. (``tests/delta_writers.py``
    patches it here to make writers commit on the same snapshot.)"""
    if read_version is not None:
        return load(table, read_version)
    try:
        return load(table)
    except DatasetNotFoundError:
        return None


# --- maintenance ------------------------------------------------------------------------------


def restore(table: Path, version: int, metadata: dict[str, Any] | None = None) -> int:
    """Make ``version`` the table's content again as a new commit (rollback); returns that commit's
    version. Nothing is deleted: the versions in between stay readable."""
    from deltalake.transaction import CommitProperties

    dt = load(table)
    load(table, version)  # exists?
    props = CommitProperties(custom_metadata={"smelter": {"metadata": metadata or {}, "restored": version}})
    dt.restore(version, commit_properties=props)
    return dt.version()


def vacuum(table: Path, keep_versions: int) -> list[str]:
    """Delete the files no longer referenced by the last ``keep_versions`` versions (older versions
    then cannot be read); files being written by a writer that has not committed are kept."""
    dt = load(table)
    latest = dt.version()
    keep = list(range(max(latest - max(keep_versions, 1) + 1, 0), latest + 1))
    return dt.vacuum(retention_hours=0, dry_run=False, enforce_retention_duration=False, keep_versions=keep)
