"""Where batch-scoring rows come from: a lake features dataset's held-out rows or a user's .parquet/.csv.

For pandas as a stream of Arrow record batches (never the whole input at once; a Parquet file is
decoded a batch at a time, not a row group at a time), and for Spark; an unsupported, missing or
unreadable file is a clear :class:`ScoringInputError` naming it. :func:`held_out` is the one place that
says where a features dataset's held-out rows are.

A CSV is typed as ``pandas.read_csv`` types it: integers, floats, ``True``/``False`` booleans, and text
for everything else (dates and times stay text). The types come from its first block
(:data:`CSV_BLOCK_BYTES`); a later value that does not fit them is an error naming the file.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from smelter.catalog import Dataset
from smelter.lake import Lake

HELD_OUT = "test"  # rows of a features dataset whose ``split`` is this are scored by default
CSV_BLOCK_BYTES = 16 << 20  # a CSV is read (and its types inferred) this many bytes at a time
CSV_NULLS = [*pacsv.ConvertOptions().null_values, "<NA>", "None"]  # pandas' default NA texts


class ScoringInputError(ValueError):
    """A scoring input file is missing, unreadable or of an unsupported type."""


def _file_kind(path: Path) -> str:
    kind = path.suffix.lower().lstrip(".")
    if kind not in ("parquet", "csv"):
        raise ScoringInputError(f"scoring input {path}: unsupported file type {path.suffix!r} (use .parquet or .csv)")
    if not path.exists():
        raise ScoringInputError(f"scoring input {path} does not exist")
    return kind


@dataclass(frozen=True)
class ParquetRows:
    """The rows of a Parquet file, folder or list of files whose columns ``equal`` the given values (those
    columns hidden); files in the dataset's order, rows in file order."""

    location: Path | list[str]
    equal: dict[str, Any] = field(default_factory=dict)

    def dataset(self) -> pads.Dataset:
        return pads.dataset(self.location, format="parquet")

    def columns(self) -> list[str]:
        return [c for c in self.dataset().schema.names if c not in self.equal]

    def count(self) -> int:
        """Rows (from the footers when nothing is filtered)."""
        conditions = [pc.field(c) == v for c, v in self.equal.items()]
        return self.dataset().count_rows(filter=reduce(operator.and_, conditions) if conditions else None)

    def batches(self, columns: Sequence[str], batch_rows: int) -> pa.RecordBatchReader:
        """``columns`` as record batches of at most ``batch_rows`` rows, each file decoded a batch at a time."""
        data = self.dataset()
        schema = pa.schema([data.schema.field(c) for c in columns])
        read = list(dict.fromkeys([*columns, *self.equal]))

        def batches() -> Iterator[pa.RecordBatch]:
            for file in data.files:
                with pq.ParquetFile(file) as parquet:
                    for batch in parquet.iter_batches(batch_size=batch_rows, columns=read):
                        for column, value in self.equal.items():
                            batch = batch.filter(pc.equal(batch.column(column), value))
                        batch = batch.select(list(columns))
                        yield batch if batch.schema == schema else batch.cast(schema)

        return pa.RecordBatchReader.from_batches(schema, batches())


def input_columns(path: Path) -> list[str]:
    """Column names of a .parquet/.csv file or a lake data folder (its schema or header only)."""
    try:
        if path.is_dir() or _file_kind(path) == "parquet":
            return ParquetRows(path).columns()
        return _open_csv(path).schema.names
    except ScoringInputError:
        raise
    except Exception as exc:
        raise ScoringInputError(f"scoring input {path} is unreadable: {exc}") from exc


def count_rows(path: Path) -> int:
    """Rows of a .parquet (footer metadata) or .csv (lines minus the header) file."""
    if _file_kind(path) == "parquet":
        return ParquetRows(path).count()
    with path.open("rb") as fh:
        return max(sum(1 for _ in fh) - 1, 0)


def _open_csv(
    path: Path, column_types: dict[str, pa.DataType] | None = None, columns: Sequence[str] | None = None
) -> pacsv.CSVStreamingReader:
    convert = pacsv.ConvertOptions(
        column_types=column_types,
        include_columns=list(columns) if columns is not None else None,
        null_values=CSV_NULLS,
        true_values=["True", "TRUE", "true"],
        false_values=["False", "FALSE", "false"],
        strings_can_be_null=True,
    )
    return pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES), convert_options=convert)


def pandas_csv_types(schema: pa.Schema) -> dict[str, pa.DataType]:
    """Overrides that make Arrow's inferred CSV types pandas': dates, times and timestamps stay text, and a
    column with no value at all is float (all NaN)."""
    overrides: dict[str, pa.DataType] = {}
    for f in schema:
        if pa.types.is_temporal(f.type):
            overrides[f.name] = pa.string()
        elif pa.types.is_null(f.type):
            overrides[f.name] = pa.float64()
    return overrides


def _csv_reader(path: Path, columns: Sequence[str]) -> pa.RecordBatchReader:
    with _open_csv(path, columns=columns) as first:
        overrides = pandas_csv_types(first.schema)
    return _open_csv(path, overrides, columns)


def _named_errors(reader: pa.RecordBatchReader, path: Path) -> Iterator[pa.RecordBatch]:
    with reader:
        try:
            yield from reader
        except pa.ArrowException as exc:  # e.g. a CSV value that does not fit the type its first block gave
            raise ScoringInputError(f"scoring input {path} is unreadable: {exc}") from exc


def input_batches(path: Path, columns: Sequence[str], batch_rows: int) -> pa.RecordBatchReader:
    """``columns`` of a user's .parquet file (or folder) or .csv file as record batches, in file order, of at
    most ``batch_rows`` rows (a CSV's follow its blocks)."""
    try:
        if _file_kind(path) == "parquet":
            reader = ParquetRows(path).batches(columns, batch_rows)
        else:
            reader = _csv_reader(path, columns)
    except ScoringInputError:
        raise
    except Exception as exc:
        raise ScoringInputError(f"scoring input {path} is unreadable: {exc}") from exc
    return pa.RecordBatchReader.from_batches(reader.schema, _named_errors(reader, path))


def held_out(lake: Lake, ds: Dataset) -> ParquetRows:
    """The ``split == "test"`` rows of the current version of a lake features dataset (``split`` hidden)."""
    return ParquetRows(lake.parquet_files(ds), {"split": HELD_OUT})


def read_input_spark(spark, path: Path):
    """A user's .parquet or .csv file as a Spark DataFrame (CSV types inferred)."""
    kind = _file_kind(path)
    if kind == "parquet":
        return spark.read.parquet(str(path))
    return spark.read.option("header", True).option("inferSchema", True).csv(str(path))


def read_held_out_spark(spark, lake: Lake, ds: Dataset):
    sdf = lake.read_spark(spark, ds)
    return sdf.where(sdf["split"] == HELD_OUT).drop("split")


def describe_input(lake: Lake, input_path: str | Path | None, default_input: Dataset) -> dict:
    """Where the rows come from: path (None for the lake's held-out rows of ``default_input``), source
    text, columns, row count."""
    if input_path is None:
        rows = held_out(lake, default_input)
        return {
            "path": None,
            "source": f"{default_input.key} (split == {HELD_OUT!r})",
            "columns": rows.columns(),
            "rows": rows.count(),
        }
    path = Path(input_path)
    return {"path": path, "source": str(path), "columns": input_columns(path), "rows": count_rows(path)}
