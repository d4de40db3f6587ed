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
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote

from smelter.catalog import DatasetNotFoundError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import pyarrow as pa
    from deltalake import DeltaTable
    from deltalake.transaction import AddAction, CommitProperties, RemoveAction
    from pyspark.sql import DataFrame as SparkDataFrame
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StructType

STAGING = "_staging"
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
APP_ID = "smelter/partition"
SPARK_READS = {"timestampNtz"}  # reader features that need nothing more than reading the Parquet files
Replace = Literal["all", "partitions"] | Sequence[dict[str, Any]]
PartitionKey = tuple[str | None, ...]


class ConcurrentWriteError(RuntimeError):
    """Another writer committed a change to the same data first; nothing of this write is kept."""


@dataclass(frozen=True)
class DeltaCommit:
    """One commit: its version, the rows and files it wrote, the files it removed, the partitions it
    replaced or added (Delta's text values), and the table's rows at this version."""

    version: int
    rows: int
    files_added: int
    files_removed: int
    partitions: tuple[dict[str, str | None], ...]
    table_rows: int


@dataclass(frozen=True)
class DeltaVersion:
    """One entry of a table's history; ``metadata`` is what the writer gave (Smelter's manifest)."""

    version: int
    timestamp: datetime
    operation: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class _Staged:
    path: Path  # the file in staging
    folder: str  # its partition folder relative to the table, e.g. "year=2022/month=1" ("" unpartitioned)
    values: dict[str, str | None]
    rows: int


# --- reading ----------------------------------------------------------------------------------


def load(table: Path, version: int | None = None) -> DeltaTable:
    """The table at ``version`` (the latest by default); no table or no such version is a
    :class:`DatasetNotFoundError` naming the folder."""
    from deltalake import DeltaTable
    from deltalake.exceptions import DeltaError, TableNotFoundError

    try:
        return DeltaTable(table, version=version)
    except TableNotFoundError:
        raise DatasetNotFoundError(f"no Delta table at {table} (no _delta_log: never published)") from None
    except DeltaError as err:
        latest = DeltaTable(table).version()
        raise DatasetNotFoundError(f"Delta table {table} has no version {version} (0..{latest}): {err}") from None


def _load_or_none(table: Path, read_version: int | None = None) -> DeltaTable | None:
    """The snapshot a commit is made on: ``read_version`` (commits since then are checked for
    conflicts), else the latest; ``None`` when there is no table yet."""
    if read_version is not None:
        return load(table, read_version)
    try:
        return load(table)
    except DatasetNotFoundError:
        return None


def current_version(table: Path) -> int:
    return load(table).version()


def history(table: Path) -> list[DeltaVersion]:
    """Every commit, newest first."""
    return [
        DeltaVersion(
            int(c["version"]),
            datetime.fromtimestamp(c["timestamp"] / 1000, UTC),
            str(c.get("operation", "")),
            dict(c.get("smelter") or {}),
        )
        for c in load(table).history()
    ]


def manifest(table: Path, version: int | None = None) -> dict[str, Any]:
    """A version's manifest, shaped like :func:`smelter.lake.manifest`'s (plus ``operation``)."""
    dt = load(table, version)
    entry = next(h for h in history(table) if h.version == dt.version())
    return {
        "version": str(entry.version),
        "rows": dt.count(),
        "formats": ["delta"],
        "published_at": entry.timestamp.isoformat(),
        "operation": entry.operation,
        "metadata": entry.metadata.get("metadata", {}),
        "commit": {k: v for k, v in entry.metadata.items() if k != "metadata"},
    }


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
    wanted = {_key(p, names) for p in partitions}
    return [str(table / unquote(a["path"])) for a in actions if _key(a["partition"] or {}, names) in wanted]


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
    """Write a stream of Arrow tables of ``schema`` (e.g. one per landing file: memory follows one table,
    not the stream) as ONE new version, ``replace`` as in :func:`write_spark`."""
    import pyarrow.dataset as pads

    schema = _microseconds(schema.empty_table()).schema
    with _staging(Path(table)) as staging:
        for i, data in enumerate(tables):
            pads.write_dataset(
                _microseconds(data).select(schema.names).cast(schema),
                staging,
                format="parquet",
                partitioning=list(partition_by) or None,
                partitioning_flavor="hive",
                basename_template=f"part-{i:06d}-{{i}}.parquet",
                existing_data_behavior="overwrite_or_ignore",
            )
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
        _remove_empty_dirs(staging.parent, table)


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
    staged = _staged_files(Path(staging), partition_by)
    return _commit_staged(Path(table), staged, schema, partition_by, replace, metadata, read_version)


def _staged_files(staging: Path, partition_by: Sequence[str]) -> list[_Staged]:
    """Spark's part files (not its ``_SUCCESS``/``.crc``), their partitions from the folder names,
    their rows from the Parquet footers; files with no rows are left out."""
    import pyarrow.parquet as pq

    staged = []
    for path in sorted(staging.rglob("*.parquet")):
        rel = path.relative_to(staging)
        if any(part.startswith((".", "_")) for part in rel.parts):
            continue
        rows = pq.read_metadata(path).num_rows
        if rows == 0:
            continue
        folders = [part.split("=", 1) for part in rel.parts[:-1]]
        if [f[0] for f in folders] != list(partition_by):
            raise ValueError(f"staged file {rel} is not in partition folders {list(partition_by)}")
        values = {k: None if v == HIVE_NULL else unquote(v) for k, v in folders}
        staged.append(_Staged(path, "/".join(rel.parts[:-1]), values, rows))
    return staged


def _commit_staged(
    table: Path,
    staged: list[_Staged],
    schema: pa.Schema,
    partition_by: Sequence[str],
    replace: Replace,
    metadata: dict[str, Any] | None,
    read_version: int | None,
) -> DeltaCommit:
    """Move the staged files into the table and commit them (removing what ``replace`` replaces);
    if the commit fails, the moved files are deleted and the table is as it was."""
    from deltalake import Schema
    from deltalake.transaction import create_table_with_add_actions

    dt = _load_or_none(table, read_version)
    if dt is not None:
        _check_table(dt, schema, partition_by, table)
    new = {_key(s.values, partition_by) for s in staged}
    replaced = _replaced_partitions(dt, replace, new, partition_by, table)
    removes = _remove_actions(dt, replaced, partition_by)
    touched = new | (replaced if replaced is not None else _table_partitions(dt, partition_by))
    props = _commit_properties(dt, touched, partition_by, replace, metadata, sum(s.rows for s in staged))
    moved: list[Path] = []
    try:
        adds = [_move(s, table, moved) for s in staged]
        if dt is None:
            create_table_with_add_actions(
                str(table), Schema.from_arrow(schema), adds, "error", list(partition_by), commit_properties=props
            )
        else:
            dt.create_write_transaction(adds + removes, "append", schema, list(partition_by), commit_properties=props)
    except BaseException as err:
        for path in moved:
            path.unlink(missing_ok=True)
            _remove_empty_dirs(path.parent, table)
        _raise_conflict(err, table, dt)
        raise
    return _result(table, props, len(adds), len(removes), touched, partition_by, sum(s.rows for s in staged))


def _move(staged: _Staged, table: Path, moved: list[Path]) -> AddAction:
    """Rename a staged file into its partition folder under a unique name; its add action."""
    from deltalake.transaction import AddAction

    rel = f"{staged.folder}/part-{uuid.uuid4().hex}.parquet".lstrip("/")
    dest = table / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    size = staged.path.stat().st_size
    os.rename(staged.path, dest)
    moved.append(dest)
    stats = json.dumps({"numRecords": staged.rows})
    return AddAction(rel, size, staged.values, int(time.time() * 1000), True, stats)


# --- commits ----------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A partition value as Delta writes it in the log (``None`` for null)."""
    if value is None or value != value:  # NaN/NaT
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _text(value.item())
    return str(value)


def _key(values: dict[str, Any], partition_by: Sequence[str]) -> PartitionKey:
    return tuple(_text(values[c]) for c in partition_by)


def _table_partitions(dt: DeltaTable | None, partition_by: Sequence[str]) -> set[PartitionKey]:
    return set() if dt is None else {_key(v, partition_by) for v in _file_partitions(dt)}


def _file_partitions(dt: DeltaTable) -> list[dict[str, str | None]]:
    import pyarrow as pa

    actions = pa.table(dt.get_add_actions(flatten=False))
    return actions.column("partition").to_pylist() if "partition" in actions.column_names else []


def _replaced_partitions(
    dt: DeltaTable | None, replace: Replace, new: set[PartitionKey], partition_by: Sequence[str], table: Path
) -> set[PartitionKey] | None:
    """The partitions this write replaces; ``None`` for the whole table."""
    if isinstance(replace, str):
        if replace == "all":
            return None
        if replace != "partitions":
            raise ValueError(f"replace must be 'all', 'partitions' or a list of partitions, not {replace!r}")
        if not partition_by:
            raise ValueError(f"Delta table {table} has no partition columns: replace='partitions' needs some")
        return new
    named = {_key(p, partition_by) for p in replace}
    outside = new - named
    if outside:
        raise ValueError(f"data for {table} holds partitions {sorted(outside, key=str)} outside replace={replace}")
    return named


def _remove_actions(
    dt: DeltaTable | None, replaced: set[PartitionKey] | None, partition_by: Sequence[str]
) -> list[RemoveAction]:
    import pyarrow as pa
    from deltalake.transaction import RemoveAction

    if dt is None:
        return []
    now = int(time.time() * 1000)
    files = pa.table(dt.get_add_actions(flatten=False)).to_pylist()
    return [
        RemoveAction(unquote(f["path"]), True, now, f["size_bytes"], {c: _text(v) for c, v in values.items()})
        for f in files
        for values in [f.get("partition") or {}]
        if replaced is None or _key(values, partition_by) in replaced
    ]


def _commit_properties(
    dt: DeltaTable | None,
    touched: set[PartitionKey],
    partition_by: Sequence[str],
    replace: Replace,
    metadata: dict[str, Any] | None,
    rows: int,
) -> CommitProperties:
    """The commit's Smelter metadata, and one app transaction per partition written (what makes two
    writers of the same partition conflict, even of a partition the table does not hold yet)."""
    from deltalake.transaction import CommitProperties, Transaction

    version = 0 if dt is None else dt.version() + 1
    partitions = [dict(zip(partition_by, k, strict=True)) for k in sorted(touched, key=str)]
    smelter = {
        "write_id": uuid.uuid4().hex,
        "metadata": json.loads(json.dumps(metadata or {}, default=str)),
        "replace": replace if isinstance(replace, str) else "listed",
        "rows_written": rows,
        "partitions": partitions[:1000],
    }
    app_ids = [f"{APP_ID}/" + "/".join(f"{c}={v}" for c, v in p.items()) for p in partitions] or [APP_ID]
    return CommitProperties(
        custom_metadata={"smelter": smelter},
        app_transactions=[Transaction(app_id=a, version=version) for a in app_ids],
    )


def _check_table(dt: DeltaTable, schema: pa.Schema, partition_by: Sequence[str], table: Path) -> None:
    """New data must have the table's partition columns and column names and types."""
    import pyarrow as pa

    have = list(dt.metadata().partition_columns)
    if have != list(partition_by):
        raise ValueError(f"Delta table {table} is partitioned by {have}, not {list(partition_by)}")
    old = pa.schema(dt.schema().to_arrow())
    old_types = {f.name: str(f.type) for f in old}
    new_types = {f.name: str(f.type) for f in schema}
    if old_types != new_types:
        diff = sorted(set(old_types.items()) ^ set(new_types.items()))
        raise ValueError(f"Delta table {table}: the new data's columns differ from the table's: {diff}")


def _raise_conflict(err: BaseException, table: Path, dt: DeltaTable | None) -> None:
    from deltalake.exceptions import CommitFailedError, DeltaError

    read = "no table" if dt is None else f"version {dt.version()}"
    if isinstance(err, CommitFailedError) or (dt is None and isinstance(err, DeltaError) and exists(table)):
        raise ConcurrentWriteError(
            f"Delta table {table}: another writer committed first (this write read {read}); "
            f"nothing of this write was kept, run it again: {err}"
        ) from err


def exists(table: Path) -> bool:
    """Whether ``table`` holds a Delta table (a ``_delta_log`` folder)."""
    return (table / "_delta_log").is_dir()


def _result(
    table: Path,
    props: CommitProperties,
    added: int | None,
    removed: int | None,
    touched: set[PartitionKey],
    partition_by: Sequence[str],
    rows: int,
) -> DeltaCommit:
    """The commit just made, found in the history by its write id (other writers may have committed
    after it); file counts not given come from delta-rs's operation metrics."""
    write_id = (props.custom_metadata or {})["smelter"]["write_id"]
    commit = next(c for c in load(table).history(100) if (c.get("smelter") or {}).get("write_id") == write_id)
    metrics = commit.get("operationMetrics") or {}
    return DeltaCommit(
        int(commit["version"]),
        rows,
        added if added is not None else int(metrics.get("num_added_files", 0)),
        removed if removed is not None else int(metrics.get("num_removed_files", 0)),
        tuple(dict(zip(partition_by, k, strict=True)) for k in sorted(touched, key=str)),
        load(table, int(commit["version"])).count(),
    )


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


def _remove_empty_dirs(folder: Path, stop: Path) -> None:
    """Remove ``folder`` and its parents up to (not including) ``stop`` while they are empty."""
    for path in [folder, *folder.parents]:
        if path == stop or stop not in path.parents:
            return
        try:
            path.rmdir()
        except OSError:
            return
