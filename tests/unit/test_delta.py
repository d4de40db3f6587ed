"""Delta tables through delta-rs: pandas writes and the commit of engine-written Parquet (the Spark
path without Spark: pyarrow writes the staged hive folders)."""

import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from smelter import delta
from smelter.catalog import DatasetNotFoundError
from tests.delta_writers import write_at_once

PARTS = ["year", "month"]
SCHEMA = pa.schema([("state", pa.string()), ("units", pa.int32()), ("year", pa.int32()), ("month", pa.int32())])


def sales(rows: list[tuple[str, int, int, int]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["state", "units", "year", "month"])
    return df.astype({"units": "int32", "year": "int32", "month": "int32"})


def stage(folder: Path, df: pd.DataFrame) -> Path:
    """Write ``df`` as an engine would: hive folders year=/month=, partition columns left out."""
    for (year, month), part in df.groupby(PARTS):
        out = folder / f"year={year}" / f"month={month}" / "part-00000.parquet"
        out.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pandas(part.drop(columns=PARTS), preserve_index=False), out)
    (folder / "_SUCCESS").parent.mkdir(parents=True, exist_ok=True)
    (folder / "_SUCCESS").write_text("")
    return folder


def commit(table: Path, df: pd.DataFrame, replace: delta.Replace = "all", metadata: dict | None = None):
    staging = table / delta.STAGING / uuid.uuid4().hex
    return delta.commit_parquet(table, stage(staging, df), SCHEMA, PARTS, replace, metadata)


def data_files(table: Path) -> set[str]:
    return {str(p.relative_to(table)) for p in table.rglob("*.parquet") if p.relative_to(table).parts[0][0] not in "_."}


def read(table: Path, version: int | None = None) -> pd.DataFrame:
    df = delta.read_pandas(table, version)
    return df.sort_values(["year", "month", "state"]).reset_index(drop=True)


JAN = [("Ohio", 1, 2022, 1), ("Texas", 2, 2022, 1)]
FEB = [("Ohio", 3, 2022, 2)]
JAN_NEW = [("Ohio", 10, 2022, 1)]


@pytest.mark.parametrize("engine", ["pandas", "staged"])
def test_first_write_creates_the_table_with_rows_and_metadata(tmp_path, engine):
    table = tmp_path / "t"
    write = delta.write_pandas if engine == "pandas" else None
    c = (
        write(sales(JAN + FEB), table, PARTS, "all", {"source": "x.csv"})
        if write
        else commit(table, sales(JAN + FEB), "all", {"source": "x.csv"})
    )
    assert (c.version, c.rows, c.table_rows, c.files_added, c.files_removed) == (0, 3, 3, 2, 0)
    assert c.partitions == ({"year": "2022", "month": "1"}, {"year": "2022", "month": "2"})
    pd.testing.assert_frame_equal(read(table), sales(JAN + FEB))
    m = delta.manifest(table)
    assert (m["version"], m["rows"], m["metadata"]) == ("0", 3, {"source": "x.csv"})
    assert delta.history(table)[0].metadata["metadata"] == {"source": "x.csv"}
    assert not (table / delta.STAGING).exists() or not any((table / delta.STAGING).rglob("*.parquet"))


@pytest.mark.parametrize("engine", ["pandas", "staged"])
def test_replacing_partitions_leaves_the_other_partitions_files_untouched(tmp_path, engine):
    table = tmp_path / "t"
    write = delta.write_pandas if engine == "pandas" else lambda df, t, _p, r: commit(t, df, r)
    write(sales(JAN + FEB), table, PARTS, "all")
    before = set(delta.file_uris(table))
    feb_files = {f for f in before if "month=2" in f}
    c = write(sales(JAN_NEW), table, PARTS, "partitions")
    after = set(delta.file_uris(table))
    assert feb_files <= after  # same paths: February was neither copied nor rewritten
    assert not (before - feb_files) & after  # January's old files are gone from the version
    assert (c.version, c.rows, c.table_rows, c.files_added, c.files_removed) == (1, 1, 2, 1, 1)
    assert c.partitions == ({"year": "2022", "month": "1"},)
    pd.testing.assert_frame_equal(read(table), sales(JAN_NEW + FEB))


def test_time_travel_and_restore(tmp_path):
    table = tmp_path / "t"
    commit(table, sales(JAN + FEB))
    commit(table, sales(JAN_NEW), "partitions")
    pd.testing.assert_frame_equal(read(table, 0), sales(JAN + FEB))
    assert delta.restore(table, 0, {"why": "bad data"}) == 2
    pd.testing.assert_frame_equal(read(table), sales(JAN + FEB))
    assert next(h.operation for h in delta.history(table)) == "RESTORE"
    pd.testing.assert_frame_equal(read(table, 1), sales(JAN_NEW + FEB))  # nothing deleted
    with pytest.raises(DatasetNotFoundError, match="has no version 7"):
        delta.read_pandas(table, 7)


def test_listed_partitions_are_replaced_even_when_the_new_data_leaves_them_empty(tmp_path):
    table = tmp_path / "t"
    delta.write_pandas(sales(JAN + FEB), table, PARTS)
    c = delta.write_pandas(sales(JAN_NEW), table, PARTS, [{"year": 2022, "month": 1}, {"year": 2022, "month": 2}])
    assert c.table_rows == 1
    pd.testing.assert_frame_equal(read(table), sales(JAN_NEW))
    with pytest.raises(ValueError, match="outside replace"):
        commit(table, sales(FEB), [{"year": 2022, "month": 1}])


@pytest.mark.parametrize("engine", ["pandas", "staged"])
@pytest.mark.parametrize("rows", [JAN_NEW, [("Utah", 5, 2023, 7)]], ids=["existing-partition", "new-partition"])
def test_two_writers_of_one_partition_at_once_one_commits_and_the_other_gets_a_conflict(
    tmp_path, monkeypatch, engine, rows
):
    table = tmp_path / "t"
    delta.write_pandas(sales(JAN + FEB), table, PARTS)

    def writer(units: int):
        df = sales([(s, units, y, m) for s, _, y, m in rows])
        if engine == "pandas":
            return lambda: delta.write_pandas(df, table, PARTS, "partitions")
        return lambda: commit(table, df, "partitions")

    outcomes = write_at_once(monkeypatch, [writer(100), writer(200)])
    won = [o for o in outcomes if isinstance(o, delta.DeltaCommit)]
    lost = [o for o in outcomes if isinstance(o, delta.ConcurrentWriteError)]
    assert len(won) == len(lost) == 1, outcomes
    assert "another writer committed first" in str(lost[0])
    assert delta.current_version(table) == 1
    got = read(table)
    assert sorted(set(got["units"]) - {1, 2, 3}) in ([100], [200])  # one writer's rows, not both
    committed = set(delta.file_uris(table, 0)) | set(delta.file_uris(table, 1))
    assert {str(table / f) for f in data_files(table)} == committed  # the loser left no files behind


def test_failed_commit_leaves_the_table_unchanged_and_no_files_behind(tmp_path, monkeypatch):
    from deltalake import DeltaTable

    table = tmp_path / "t"
    commit(table, sales(JAN + FEB))
    files = data_files(table)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(DeltaTable, "create_write_transaction", broken)
    with pytest.raises(OSError, match="disk full"):
        commit(table, sales([*JAN_NEW, ("Utah", 5, 2023, 7)]), "partitions")
    assert data_files(table) == files
    assert not (table / "year=2023").exists()
    assert delta.current_version(table) == 0
    pd.testing.assert_frame_equal(read(table), sales(JAN + FEB))


def test_missing_table_and_zero_row_table(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="no Delta table at"):
        delta.read_pandas(tmp_path / "nope")
    (tmp_path / "empty" / delta.STAGING).mkdir(parents=True)  # a folder, but never committed
    with pytest.raises(DatasetNotFoundError, match="never published"):
        delta.current_version(tmp_path / "empty")
    c = delta.write_pandas(sales([]), tmp_path / "zero", PARTS)
    assert (c.version, c.rows, c.table_rows) == (0, 0, 0)
    assert list(delta.read_pandas(tmp_path / "zero").columns) == ["state", "units", "year", "month"]


def test_new_data_with_other_columns_or_partitions_is_a_clear_error(tmp_path):
    table = tmp_path / "t"
    delta.write_pandas(sales(JAN), table, PARTS)
    with pytest.raises(ValueError, match="partitioned by \\['year', 'month'\\], not \\['year'\\]"):
        delta.write_pandas(sales(FEB), table, ["year"], "all")
    with pytest.raises(ValueError, match=r"columns differ.*units"):
        delta.write_pandas(sales(FEB).astype({"units": "float64"}), table, PARTS, "partitions")
    with pytest.raises(ValueError, match="replace must be"):
        delta.write_pandas(sales(FEB), table, PARTS, "some")


def test_vacuum_keeps_the_last_versions_readable_and_deletes_older_files(tmp_path):
    table = tmp_path / "t"
    for units in (1, 2, 3):
        delta.write_pandas(sales([("Ohio", units, 2022, 1)]), table, PARTS, "partitions")
    uncommitted = table / "year=2022" / "month=1" / "part-in-flight.parquet"
    uncommitted.write_bytes(b"a writer has moved this file here and not yet committed")
    removed = delta.vacuum(table, keep_versions=2)
    assert len(removed) == 1
    assert read(table, 1)["units"].tolist() == [2]
    assert uncommitted.exists()


def test_pandas_timestamps_are_stored_in_microseconds_that_delta_rs_reads_back(tmp_path):
    df = pd.DataFrame({"at": pd.to_datetime(["2022-01-01 03:04:05.123456"]), "n": [1]})
    delta.write_pandas(df, tmp_path / "t")
    back = delta.read_pandas(tmp_path / "t")
    assert back["at"].tolist() == df["at"].tolist()
    assert delta.load(tmp_path / "t").protocol().reader_features in (None, ["timestampNtz"])


def test_read_pandas_keeps_the_partitions_asked_for(tmp_path):
    delta.write_pandas(sales(JAN + FEB + [("Utah", 5, 2023, 7)]), tmp_path / "t", PARTS)
    got = delta.read_pandas(tmp_path / "t", partitions=[{"year": 2022, "month": 2}, {"year": 2023, "month": 7}])
    assert sorted(got["state"]) == ["Ohio", "Utah"]
