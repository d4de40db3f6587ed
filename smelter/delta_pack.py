"""Packing a stream of Arrow tables into hive-style partition folders of Parquet, a file per partition
(:func:`smelter.delta.write_arrow` writes its staging folder this way): a month of landing files becomes
one file of large row groups, not a file per table."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from smelter.delta_commit import HIVE_NULL
from smelter.delta_table import PartitionKey, partition_key

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

ROW_GROUP_ROWS = 1_000_000  # rows a packed write buffers per partition before writing a row group
FILE_ROWS = 16_000_000  # rows of a partition's file before the next rows start another (a few hundred MB)


def write_packed(
    tables: Iterable[pa.Table], folder: Path, partition_by: Sequence[str] = (), group_rows: int | None = None
) -> None:
    """Write a stream of tables (one schema) as hive-style partition folders of Parquet under ``folder``
    (partition columns in the folder names, not the files): a file per partition (a new one after
    ``FILE_ROWS`` rows), its rows buffered into row groups of up to ``group_rows`` (default
    ``ROW_GROUP_ROWS``); a partition's buffer is written out when the stream moves on to another partition
    or it is full. Sorted input makes full row groups."""
    import pyarrow.parquet as pq

    limit, file_rows = group_rows or ROW_GROUP_ROWS, FILE_ROWS
    writers: dict[PartitionKey, pq.ParquetWriter] = {}
    written: dict[PartitionKey, int] = {}
    buffers: dict[PartitionKey, list[pa.Table]] = {}
    files = 0

    def flush(key: PartitionKey) -> None:
        import pyarrow as pa

        nonlocal files
        parts = buffers.pop(key, [])
        if not parts:
            return
        data = pa.concat_tables(parts).drop_columns(list(partition_by))
        if key not in writers:
            path = folder.joinpath(*_hive_folders(partition_by, key), f"part-{files:06d}.parquet")
            path.parent.mkdir(parents=True, exist_ok=True)
            writers[key], written[key], files = pq.ParquetWriter(path, data.schema), 0, files + 1
        writers[key].write_table(data, row_group_size=limit)
        written[key] += data.num_rows
        if written[key] >= file_rows:
            writers.pop(key).close()

    last: PartitionKey | None = None
    try:
        for data in tables:
            for key, part in _by_partition(data, partition_by):
                if last is not None and key != last:
                    flush(last)
                buffers.setdefault(key, []).append(part)
                if sum(t.num_rows for t in buffers[key]) >= limit:
                    flush(key)
                last = key
        for key in list(buffers):
            flush(key)
    finally:
        for writer in writers.values():
            writer.close()


def _by_partition(data: pa.Table, partition_by: Sequence[str]) -> Iterator[tuple[PartitionKey, pa.Table]]:
    """The rows of ``data`` of each partition (one table when all rows share one, the usual case)."""
    import pyarrow.compute as pc

    if data.num_rows == 0:
        return
    if not partition_by:
        yield (), data
        return
    keys = data.select(list(partition_by)).group_by(list(partition_by)).aggregate([]).to_pylist()
    if len(keys) == 1:
        yield partition_key(keys[0], partition_by), data
        return
    for values in keys:
        mask = None
        for column, value in values.items():
            match = pc.is_null(data[column]) if value is None else pc.equal(data[column], value)
            mask = match if mask is None else pc.and_(mask, match)
        yield partition_key(values, partition_by), data.filter(mask)


def _hive_folders(partition_by: Sequence[str], key: PartitionKey) -> list[str]:
    """``["year=2022", "month=1"]``: a partition's folders, values URI-encoded as pyarrow writes them."""
    from urllib.parse import quote

    return [f"{c}={HIVE_NULL if v is None else quote(v, safe='')}" for c, v in zip(partition_by, key, strict=True)]
