"""Streamed batch scoring for the pandas engine: Arrow record batches in, scored batches out to the files.

The input is read in tables of one mini-batch each (:func:`rebatch`); :func:`score_tables` scores them on
``max_concurrency`` threads (each table converted to pandas and predicted in one model call on its thread)
while the caller writes the results before them, in input order, to the version's Parquet and CSV
(:class:`~tasks.common.score_output.PredictionsWriter`). At most ``max_concurrency + 1`` tables are held
at a time: memory follows the mini-batch, never the whole input, and no thread waits for a whole read
batch to finish before the next one starts.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa

from smelter.catalog import Dataset
from smelter.scoring import MODEL_COLUMNS, ScoringModel, check_prediction_columns, predict_pandas
from tasks.common.score_output import PredictionsWriter


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
    mini_batch_size: int = 100_000,
    max_concurrency: int = 2,
    source: str = "input",
    params: dict | None = None,
) -> Iterator[pa.Table]:
    """Input tables in order -> scored tables: the key columns as they came (Arrow types kept), the
    prediction column(s) typed as in the first table, then model name and version (as
    :func:`~smelter.scoring.score_pandas` gives them).
    Up to ``max_concurrency`` tables are scored at once, on threads, while the caller consumes the ones
    before them (a table larger than ``mini_batch_size`` rows is predicted in several calls). Rows are
    numbered across tables, so an error names the row of the whole input."""
    if mini_batch_size < 1 or max_concurrency < 1:
        raise ValueError("mini_batch_size and max_concurrency must be >= 1")
    keys, model_name, model_version = list(key_columns), model.name, model.version

    def predict(table: pa.Table, offset: int) -> pd.DataFrame:  # on a worker thread
        df = table.to_pandas()
        df.index = pd.RangeIndex(offset, offset + len(df))
        preds = predict_pandas(model, df, mini_batch_size, 1, source, params)
        check_prediction_columns(preds, keys)
        return preds

    schema: pa.Schema | None = None

    def joined(table: pa.Table, predicting: Future) -> pa.Table:
        nonlocal schema
        preds = pa.Table.from_pandas(predicting.result(), schema=schema, preserve_index=False)
        schema = schema or preds.schema
        labels = [pa.repeat(pa.scalar(v, pa.string()), table.num_rows) for v in (model_name, model_version)]
        columns = [*table.select(keys).columns, *preds.columns, *labels]
        return pa.Table.from_arrays(columns, [*keys, *preds.column_names, *MODEL_COLUMNS])

    with ThreadPoolExecutor(max_concurrency) as pool:
        pending: deque[tuple[pa.Table, Future]] = deque()
        offset = 0
        for table in tables:
            pending.append((table, pool.submit(predict, table, offset)))
            offset += table.num_rows
            if len(pending) > max_concurrency:
                yield joined(*pending.popleft())
        while pending:
            yield joined(*pending.popleft())


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
