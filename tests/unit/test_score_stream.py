"""Streamed batch scoring without MLflow: input batches, re-batching, scoring tables in order, and the
Parquet + CSV writer (CSV text as pandas writes it)."""

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from smelter.catalog import GOLD_DEMAND_PREDICTIONS, GOLD_HEART_FEATURES
from smelter.scoring import RejectedRowsError, ScoringModel
from tasks.common import score_inputs
from tasks.common.score_inputs import ScoringInputError, input_batches
from tasks.common.score_output import PredictionsWriter, append_csv, csv_text, float_text, needs_quotes
from tasks.common.score_stream import rebatch, score_tables, stream_columns


class NegativeRow(ValueError):
    client_error = True  # the caller's input is at fault (as the demand model's errors are)


class Doubler:
    """A pyfunc stand-in: prediction = 2 * x; a negative x is rejected naming its row (the frame's index)."""

    def predict(self, df, params=None):
        bad = (df["x"] < 0).to_numpy()
        if bad.any():
            raise NegativeRow(f"column 'x' row {df.index[bad.argmax()]}: negative")
        return df["x"] * (params or {}).get("scale", 2.0)


MODEL = ScoringModel("doubler", "3", None, "models:/doubler/3", Doubler(), ["x"])


def reader_of(df: pd.DataFrame, rows: int) -> pa.RecordBatchReader:
    table = pa.Table.from_pandas(df, preserve_index=False)
    return pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=rows))


def test_rebatch_cuts_batches_to_size_in_order_and_yields_one_empty_table_for_no_rows():
    df = pd.DataFrame({"x": np.arange(10.0)})
    tables = list(rebatch(reader_of(df, 3), 4))
    assert [t.num_rows for t in tables] == [4, 4, 2]
    assert [t.num_rows for t in rebatch(reader_of(df, 7), 2)] == [2] * 5
    assert pa.concat_tables(tables).column("x").to_pylist() == df["x"].tolist()
    empty = list(rebatch(reader_of(df.head(0), 3), 4))
    assert [t.num_rows for t in empty] == [0] and empty[0].schema.names == ["x"]


def test_batch_sizes_below_one_are_refused():
    with pytest.raises(ValueError, match="must be >= 1"):
        list(rebatch(reader_of(pd.DataFrame({"x": [1.0]}), 1), 0))  # would loop on empty tables
    with pytest.raises(ValueError, match="must be >= 1"):
        next(score_tables(MODEL, [pa.table({"id": [1], "x": [1.0]})], ["id"], max_concurrency=0))


def test_score_tables_keeps_order_key_types_and_numbers_rows_across_tables():
    keys = pa.array([1, None, 3, 4, 5], pa.int64())  # an integer key with a missing value stays integer
    tables = [pa.table({"id": keys.slice(0, 2), "x": [1.0, 2.0]}), pa.table({"id": keys.slice(2), "x": [3.0, 4, 5]})]
    out = pa.concat_tables(score_tables(MODEL, tables, ["id"], mini_batch_size=2, max_concurrency=2))
    assert out.schema.names == ["id", "prediction", "model_name", "model_version"]
    assert out.column("id").type == pa.int64() and out.column("id").to_pylist() == [1, None, 3, 4, 5]
    assert out.column("prediction").to_pylist() == [2.0, 4.0, 6.0, 8.0, 10.0]
    assert set(out.column("model_version").to_pylist()) == {"3"}
    bad = [tables[0], pa.table({"id": keys.slice(2), "x": [3.0, -1.0, 5.0]})]
    with pytest.raises(RejectedRowsError, match=r"rows\.csv: column 'x' row 3: negative"):
        list(score_tables(MODEL, bad, ["id"], source="rows.csv"))


def test_score_tables_holds_at_most_one_table_more_than_it_scores_at_once():
    pulled = []

    def tables():
        for i in range(10):
            pulled.append(i)
            yield pa.table({"id": [i], "x": [float(i)]})

    scored = score_tables(MODEL, tables(), ["id"], max_concurrency=2)
    assert next(scored).column("id").to_pylist() == [0]
    assert pulled == [0, 1, 2]  # the first result waits for no more than 2 + 1 input tables, not the whole input
    assert [t.column("prediction").to_pylist() for t in scored] == [[2.0 * i] for i in range(1, 10)]


def test_stream_columns_reads_keys_and_model_inputs_only():
    assert stream_columns(MODEL, ["id"], ["x", "unused", "id"]) == ["id", "x"]
    no_signature = ScoringModel("m", "1", None, "models:/m/1", Doubler(), [])
    assert stream_columns(no_signature, ["id"], ["x", "id", "other"]) == ["id", "x", "other"]


def test_csv_input_is_typed_as_pandas_types_it(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("date,state,n,x,flag,empty\n2022-06-01,Ohio,1,1.5,True,\n2022-06-02,,2,,False,NA\n")
    got = input_batches(path, ["state", "date", "n", "x", "flag", "empty"], 10).read_pandas()
    expected = pd.read_csv(path)[["state", "date", "n", "x", "flag", "empty"]]
    pd.testing.assert_series_equal(got.dtypes, expected.dtypes)
    assert got["date"].tolist() == ["2022-06-01", "2022-06-02"]  # dates stay text, as in pandas
    assert got["state"].isna().tolist() == [False, True]


def test_csv_value_that_does_not_fit_its_first_block_type_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(score_inputs, "CSV_BLOCK_BYTES", 64)
    path = tmp_path / "late.csv"
    path.write_text("n\n" + "1\n" * 60 + "1.5\n")
    with pytest.raises(ScoringInputError, match=r"late\.csv is unreadable: .*1\.5"):
        input_batches(path, ["n"], 10).read_all()


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": [dt.date(2022, 6, 1), dt.date(2022, 6, 2), None],
            "state": ["Ohio", None, "Utah"],
            "count": [1, -2, 3],
            "prediction": [1234.5678901234, 0.1 + 0.2, np.nan],
            "year": [2022.0, -0.0, 1e9],
            "flag": [False, True, False],
            "day": pd.to_datetime(["2022-06-01", "2022-06-02", None]),
        }
    )


def test_csv_text_is_what_pandas_writes_for_the_usual_types(tmp_path):
    df = frame()
    table = pa.Table.from_pandas(df, preserve_index=False)
    assert csv_text(table) is not None  # Arrow writes it, not pandas
    path = tmp_path / "out.csv"
    with path.open("wb") as out:
        append_csv(table, out)
    assert path.read_text() == df.to_csv(index=False, header=False)


def test_csv_of_a_table_with_an_empty_first_chunk_is_its_rows(tmp_path):
    rows = pa.table({"d": pa.array([dt.date(2022, 6, i) for i in range(1, 7)]), "s": list("abcdef")})
    path = tmp_path / "out.csv"
    with path.open("wb") as out:
        append_csv(pa.concat_tables([rows.slice(0, 0), rows.slice(3)]), out)
    assert path.read_text() == "2022-06-04,d\n2022-06-05,e\n2022-06-06,f\n"


def test_csv_falls_back_to_pandas_for_text_that_needs_quotes_or_times_of_day(tmp_path):
    assert csv_text(pa.table({"s": ["a,b"]})) is None
    assert csv_text(pa.table({"t": pa.array([dt.datetime(2022, 1, 1, 12, 30)])})) is None
    df = frame().assign(state=['say "hi"', "a,b", "x\ny"], day=pd.to_datetime(["2022-06-01 12:30", None, None]))
    path = tmp_path / "out.csv"
    with path.open("wb") as out:
        append_csv(pa.Table.from_pandas(df, preserve_index=False), out)
    assert path.read_text() == df.to_csv(index=False, header=False)


def test_float_text_differs_from_repr_only_in_notation_outside_1e_4_to_1e10():
    values = [0.5, 2022.0, -3.0, 1e-4, 9_999_999_999.0, 1e-05, 1.5e-07, 12_345_678_901.0]
    text = float_text(pa.chunked_array([values])).to_pylist()
    assert text[:5] == [repr(v) for v in values[:5]]
    assert text[5:] == ["0.00001", "1.5e-7", "1.2345678901e+10"]
    assert [float(t) for t in text] == values


def test_float_text_of_columns_with_no_some_or_only_whole_numbers():
    assert float_text(pa.chunked_array([[0.5, None, 1.25]])).to_pylist() == ["0.5", None, "1.25"]
    assert float_text(pa.chunked_array([[2022.0, None], [-0.0]])).to_pylist() == ["2022.0", None, "-0.0"]
    assert float_text(pa.chunked_array([[2022.0, 0.5, float("inf")]])).to_pylist() == ["2022.0", "0.5", "inf"]


def test_needs_quotes_searches_only_the_values_of_a_slice_of_any_text_type():
    text = pa.chunked_array([["Ohio", "a,b", "Utah"], ["Texas"]])
    assert needs_quotes(text)
    assert not needs_quotes(pa.chunked_array([text.chunk(0).slice(2), text.chunk(1)]))  # "a,b" lies before it
    assert not needs_quotes(pa.chunked_array([text.chunk(0).slice(0, 1)]))
    for quoted in ['say "hi"', "x\ny", "x\ry"]:
        assert needs_quotes(pa.chunked_array([pa.array(["ok", None, quoted], pa.large_string())]))
    assert not needs_quotes(pa.chunked_array([pa.array([None, ""]), pa.array([], pa.string())]))


def test_writer_appends_tables_in_order_to_parquet_and_csv(tmp_path):
    df = pd.DataFrame({"id": range(7), "prediction": np.linspace(0, 3, 7), "ok": [True, False] * 3 + [True]})
    table = pa.Table.from_pandas(df, preserve_index=False)
    with PredictionsWriter(GOLD_DEMAND_PREDICTIONS, tmp_path) as sink:
        for start in range(0, 7, 3):
            sink.write(table.slice(start, 3))
    assert sink.rows == 7
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "demand_predictions.parquet"), df)
    assert (tmp_path / "demand_predictions.csv").read_text() == df.to_csv(index=False)
    assert pq.ParquetFile(tmp_path / "demand_predictions.parquet").num_row_groups == 3


def test_writer_of_a_one_format_dataset_writes_a_part_file(tmp_path):
    with PredictionsWriter(GOLD_HEART_FEATURES, tmp_path) as sink:
        sink.write(pa.table({"id": [1]}))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["part-00000.parquet"]


def test_writer_refuses_a_table_of_another_schema_and_closes_its_files(tmp_path):
    with pytest.raises(ValueError, match="schema"), PredictionsWriter(GOLD_DEMAND_PREDICTIONS, tmp_path) as sink:
        sink.write(pa.table({"id": [1]}))
        sink.write(pa.table({"other": ["x"]}))
    assert pq.read_table(tmp_path / "demand_predictions.parquet").column("id").to_pylist() == [1]  # closed: a footer


def test_writer_with_nothing_written_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="write at least one"), PredictionsWriter(GOLD_DEMAND_PREDICTIONS, tmp_path):
        pass


def test_writer_closes_its_files_when_the_block_fails(tmp_path):
    with pytest.raises(RuntimeError, match="scoring failed"), PredictionsWriter(GOLD_DEMAND_PREDICTIONS, tmp_path) as s:
        s.write(pa.table({"id": [1]}))
        raise RuntimeError("scoring failed")
    assert (tmp_path / "demand_predictions.csv").read_text() == "id\n1\n"  # flushed and closed
