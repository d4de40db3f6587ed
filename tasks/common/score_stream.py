"""Streamed batch scoring for the pandas engine: Arrow record batches in, scored batches out to the files.

The input is read :func:`read_batch_rows` rows at a time (several mini-batches per thread, so every thread
of :func:`smelter.scoring.score_pandas` has work), each batch scored as a pandas frame, and the scored
batch appended to the version's Parquet and CSV by :class:`~tasks.common.score_output.PredictionsWriter`
before the next one is read: memory follows the batch, never the whole input.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa

from smelter.catalog import Dataset
from smelter.scoring import ScoringModel, score_pandas
from tasks.common.score_output import PredictionsWriter

READ_MINI_BATCHES = 8  # an input batch holds this many mini-batches per scoring thread


def read_batch_rows(mini_batch_size: int, max_concurrency: int) -> int:
    """Rows read (and converted to pandas) at a time: :data:`READ_MINI_BATCHES` mini-batches per thread."""
    if mini_batch_size < 1 or max_concurrency < 1:
        raise ValueError("mini_batch_size and max_concurrency must be >= 1")
    return mini_batch_size * max_concurrency * READ_MINI_BATCHES


def rebatch(reader: pa.RecordBatchReader, rows: int) -> Iterator[pa.Table]:
    """Record batches -> tables of ``rows`` (>= 1) rows (the last may hold fewer), in order, without
    copying; one empty table (of the reader's schema) when there are no rows."""
    if rows < 1:
        raise ValueError(f"rows must be >= 1, not {rows}")
    held: list[pa.RecordBatch] = []
    count, yielded = 0, False
    for batch in reader:
        held.append(batch)
        count += batch.num_rows
        while count >= rows:
            table = pa.Table.from_batches(held, reader.schema)
            yield table.slice(0, rows)
            held = [b for b in table.slice(rows).to_batches() if b.num_rows]
            count, yielded = count - rows, True
    if count or not yielded:
        yield pa.Table.from_batches([b for b in held if b.num_rows], reader.schema)


def score_tables(
    model: ScoringModel,
    tables: Iterable[pa.Table],
    key_columns: Sequence[str],
    mini_batch_size: int = 10_000,
    max_concurrency: int = 2,
    source: str = "input",
    params: dict | None = None,
) -> Iterator[pa.Table]:
    """Input tables in order -> scored tables: the key columns as they came (Arrow types kept), then
    :func:`~smelter.scoring.score_pandas`'s prediction and model columns, typed as in the first table.
    Rows are numbered across tables, so an error names the row of the whole input."""
    keys, schema, offset = list(key_columns), None, 0
    for table in tables:
        df = table.to_pandas()
        df.index = pd.RangeIndex(offset, offset + len(df))
        scored = score_pandas(model, df, keys, mini_batch_size, max_concurrency, source, params)
        preds = pa.Table.from_pandas(scored.drop(columns=keys), schema=schema, preserve_index=False)
        schema = schema or preds.schema
        yield pa.Table.from_arrays([*table.select(keys).columns, *preds.columns], [*keys, *preds.column_names])
        offset += len(df)


def stream_columns(model: ScoringModel, key_columns: Sequence[str], available: Sequence[str]) -> list[str]:
    """The input columns to read: the keys and the model inputs present (every column for a model that
    names none)."""
    return list(dict.fromkeys([*key_columns, *(model.columns_in(available) or available)]))


def write_scored(output: Dataset, folder: Path, scored: Iterable[pa.Table]) -> int:
    """Append ``scored`` tables (:func:`score_tables`) to ``output``'s files in the data folder ``folder``
    one at a time; the row count. A failure leaves the files incomplete: the caller (``Lake.publish``)
    discards the folder."""
    with PredictionsWriter(output, folder) as sink:
        for table in scored:
            sink.write(table)
    return sink.rows
