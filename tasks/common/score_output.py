"""Where scored rows go: the Parquet and CSV files of one predictions version, appended batch by batch.

:class:`PredictionsWriter` takes scored Arrow tables in order and appends them to the dataset's files in
a staging data folder, in the layout of :func:`smelter.lake.write_pandas` (``<name>.parquet`` and
``<name>.csv`` for a two-format dataset). (A writer thread overlapping the writes with scoring was
measured and did not pay: on 2 shared cores the scoring already keeps them busy.)

The CSV reads as pandas' ``to_csv`` writes it: the same header, text, integers, dates, ``True``/``False``
and empty missing values. Floats are Arrow's shortest round-trip text with ``.0`` kept on whole numbers
below 1e10, so they differ from Python's ``repr`` only in notation outside [1e-4, 1e10): ``1e-05`` is
written ``0.00001``, ``1.5e-07`` ``1.5e-7``, ``12345678901.0`` ``1.2345678901e+10`` (the same numbers and
dtypes when read). A batch with a text value that needs quoting (a comma, quote or line break), or with a
column Arrow cannot write as pandas does (a time of day, a decimal), is written by pandas itself.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from smelter.catalog import Dataset

QUOTED = (b",", b'"', b"\r", b"\n")  # a text value holding one of these is quoted by pandas
_NO_QUOTES = pacsv.WriteOptions(include_header=False, quoting_style="none")


def float_text(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Floats as text: Arrow's shortest round trip, ``.0`` kept on whole numbers below 1e10 (as ``repr``)."""
    text = pc.cast(values, pa.string())
    whole = pc.and_(pc.equal(pc.floor(values), values), pc.less(pc.abs(values), 1e10))
    if not pc.any(whole).as_py():  # e.g. predictions: no value to mend
        return text
    dotted = pc.binary_join_element_wise(text, ".0", "")
    return dotted if pc.all(whole).as_py() else pc.if_else(whole, dotted, text)


def needs_quotes(values: pa.ChunkedArray) -> bool:
    """Whether a text value holds a character pandas quotes (:data:`QUOTED`): a byte search over the bytes
    the values span (a missing value's bytes count too: at worst pandas writes the batch)."""
    for chunk in values.chunks:
        _, offsets, data = chunk.buffers()[:3]
        if data is None or not len(chunk):
            continue
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        bounds = np.frombuffer(offsets, dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1]
        text = memoryview(data)[int(bounds[0]) : int(bounds[-1])].tobytes()
        if any(c in text for c in QUOTED):
            return True
    return False


def _csv_column(values: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """One column as pandas writes it to CSV, or None when only pandas can write it."""
    kind = values.type
    if pa.types.is_dictionary(kind):
        values, kind = values.cast(kind.value_type), kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return None if needs_quotes(values) else values
    if pa.types.is_integer(kind) or pa.types.is_date32(kind) or pa.types.is_null(kind):
        return values
    if pa.types.is_boolean(kind):
        return pc.if_else(values, "True", "False")
    if pa.types.is_floating(kind):
        return float_text(values)
    if pa.types.is_timestamp(kind) and kind.tz is None:  # dates-only datetimes: pandas drops the time
        midnight = pc.all(pc.equal(pc.floor_temporal(values, unit="day"), values)).as_py() is not False
        return pc.strftime(values, "%Y-%m-%d") if midnight else None
    return None


def csv_text(table: pa.Table) -> pa.Table | None:
    """``table`` with every column as the text pandas' ``to_csv`` writes (floats aside, see the module), or
    None when pandas must write this table."""
    columns = []
    for values in table.columns:
        text = _csv_column(values)
        if text is None:
            return None
        columns.append(text)
    return pa.Table.from_arrays(columns, names=table.column_names)


def append_csv(table: pa.Table, out: BinaryIO) -> None:
    """Append ``table``'s rows (no header) to an open CSV file, as pandas' ``to_csv`` writes them."""
    text = csv_text(table)
    if text is None:
        table.to_pandas().to_csv(out, header=False, index=False)
        return
    for batch in text.to_batches():  # one by one: pyarrow 25 writes garbage after an empty chunk without a header
        if batch.num_rows:
            pacsv.write_csv(batch, out, _NO_QUOTES)


class PredictionsWriter:
    """``with PredictionsWriter(ds, folder) as sink: sink.write(table) ...`` -> ``sink.rows``.

    Appends tables of one schema to ``ds``'s Parquet file (one row group each) and CSV file, if it has
    one, in ``folder`` (a staging data folder); at least one (possibly empty) table must be written. The
    files are closed when the ``with`` block ends, also on an error (the caller discards the folder)."""

    def __init__(self, ds: Dataset, folder: Path):
        if ds.partition_by:
            raise ValueError(f"dataset {ds.key} is partitioned by {ds.partition_by}: batch scoring writes one file")
        parquet = ds.format_path(folder, "parquet")
        self.parquet_path = parquet / "part-00000.parquet" if parquet == Path(folder) else parquet
        self.csv_path = ds.format_path(folder, "csv") if "csv" in ds.formats else None
        self.rows = 0
        self._parquet: pq.ParquetWriter | None = None
        self._csv: BinaryIO | None = None

    def write(self, table: pa.Table) -> None:
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self.parquet_path, table.schema)
            if self.csv_path is not None:
                self._csv = self.csv_path.open("wb")
                self._csv.write(pd.DataFrame(columns=table.column_names).to_csv(index=False).encode())
        self._parquet.write_table(table)
        if self._csv is not None:
            append_csv(table, self._csv)
        self.rows += table.num_rows

    def close(self) -> None:
        for f in (self._parquet, self._csv):
            if f is not None:
                f.close()

    def __enter__(self) -> PredictionsWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
        if error is None and self._parquet is None:
            raise ValueError(f"nothing was written to {self.parquet_path}: write at least one (empty) table")
