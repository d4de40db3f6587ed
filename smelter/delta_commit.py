"""Committing staged Parquet files to a Delta table (the internals of :func:`smelter.delta.commit_parquet`).

The files an engine wrote into staging are listed with their partitions and rows, renamed into the
table's partition folders and added by ONE delta-rs commit, which removes the old files of the
partitions replaced; if the commit fails, the moved files are deleted and the table is as it was.
The commit carries one Delta app transaction per partition it writes, so two writers of the same
partition cannot both commit: the second gets :class:`ConcurrentWriteError`.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from smelter.delta_table import (
    ConcurrentWriteError,
    DeltaCommit,
    PartitionKey,
    Replace,
    exists,
    load,
    partition_key,
    partition_text,
    remove_empty_dirs,
)

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa
    from deltalake import DeltaTable
    from deltalake.transaction import AddAction, CommitProperties, RemoveAction

HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
APP_ID = "smelter/partition"


@dataclass(frozen=True)
class Staged:
    """A Parquet file an engine wrote into staging, its partition and its rows."""

    path: Path  # the file in staging
    folder: str  # its partition folder relative to the table, e.g. "year=2022/month=1" ("" unpartitioned)
    values: dict[str, str | None]
    rows: int


def staged_files(staging: Path, partition_by: Sequence[str]) -> list[Staged]:
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
        staged.append(Staged(path, "/".join(rel.parts[:-1]), values, rows))
    return staged


def commit_staged(
    table: Path,
    dt: DeltaTable | None,
    staged: list[Staged],
    schema: pa.Schema,
    partition_by: Sequence[str],
    replace: Replace,
    metadata: dict[str, Any] | None,
) -> DeltaCommit:
    """Move the staged files into the table and commit them on snapshot ``dt`` (``None``: there is
    no table yet), removing what ``replace`` replaces; if the commit fails, the moved files are
    deleted and the table is as it was."""
    from deltalake import Schema
    from deltalake.transaction import create_table_with_add_actions

    if dt is not None:
        _check_table(dt, schema, partition_by, table)
    new = {partition_key(s.values, partition_by) for s in staged}
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
            remove_empty_dirs(path.parent, table)
        _raise_conflict(err, table, dt)
        raise
    return _result(table, props, len(adds), len(removes), touched, partition_by, sum(s.rows for s in staged))


def _move(staged: Staged, table: Path, moved: list[Path]) -> AddAction:
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


def _table_partitions(dt: DeltaTable | None, partition_by: Sequence[str]) -> set[PartitionKey]:
    return set() if dt is None else {partition_key(v, partition_by) for v in _file_partitions(dt)}


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
    named = {partition_key(p, partition_by) for p in replace}
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
        RemoveAction(unquote(f["path"]), True, now, f["size_bytes"], {c: partition_text(v) for c, v in values.items()})
        for f in files
        for values in [f.get("partition") or {}]
        if replaced is None or partition_key(values, partition_by) in replaced
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
