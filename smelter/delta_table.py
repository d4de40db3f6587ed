"""A Delta table and its log, what :mod:`smelter.delta` and :mod:`smelter.delta_commit` share:
opening a version, its history and manifest, the result and error of a commit, and partition
values as Delta writes them in the log (text: ``2022``, ``2022-01-31``; ``None`` for null)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from smelter.catalog import DatasetNotFoundError

if TYPE_CHECKING:  # pragma: no cover
    from deltalake import DeltaTable

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


def exists(table: Path) -> bool:
    """Whether ``table`` holds a Delta table (a ``_delta_log`` folder)."""
    return (table / "_delta_log").is_dir()


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


def partition_text(value: Any) -> str | None:
    """A partition value as Delta writes it in the log (``None`` for null)."""
    if value is None or value != value:  # NaN/NaT
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return partition_text(value.item())
    return str(value)


def partition_key(values: dict[str, Any], partition_by: Sequence[str]) -> PartitionKey:
    """A partition's values (``partition_by``'s columns, in that order) as Delta's text."""
    return tuple(partition_text(values[c]) for c in partition_by)


def remove_empty_dirs(folder: Path, stop: Path) -> None:
    """Remove ``folder`` and its parents up to (not including) ``stop`` while they are empty."""
    for path in [folder, *folder.parents]:
        if path == stop or stop not in path.parents:
            return
        try:
            path.rmdir()
        except OSError:
            return
