"""Spark writes Parquet, delta-rs commits it; Spark reads a version's file list."""

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from smelter import catalog, delta
from smelter.catalog import SILVER_DAILY_SALES
from smelter.lake import Lake
from tests.delta_writers import write_at_once

SCHEMA = "date date, state string, units_sold int, year int, month int"
PARTS = ["year", "month"]


def rows(month: int, units: int, states=("Ohio", "Texas")) -> list[tuple]:
    return [(dt.date(2022, month, 1), s, units, 2022, month) for s in states]


def collected(sdf) -> list[tuple]:
    return sorted(tuple(r) for r in sdf.collect())


def test_replacing_a_month_rewrites_that_month_only_and_both_engines_read_the_same(spark, tmp_path):
    table = tmp_path / "sales"
    first = delta.write_spark(spark.createDataFrame(rows(1, 1) + rows(2, 2), SCHEMA), table, PARTS, "all", {"run": 1})
    assert (first.version, first.rows, first.files_added) == (0, 4, 2)
    february = {f for f in delta.file_uris(table) if "month=2" in f}
    second = delta.write_spark(spark.createDataFrame(rows(1, 7, ("Utah",)), SCHEMA), table, PARTS, "partitions")
    assert (second.version, second.rows, second.files_added, second.files_removed, second.table_rows) == (1, 1, 1, 1, 3)
    assert february <= set(delta.file_uris(table))  # February's files: same paths, not copied
    got = delta.read_spark(spark, table)
    assert got.schema.simpleString() == f"struct<{SCHEMA.replace(' ', ':').replace(',:', ',')}>"
    assert collected(got) == sorted(rows(1, 7, ("Utah",)) + rows(2, 2))
    pandas = delta.read_pandas(table)
    assert sorted(pandas.itertuples(index=False, name=None)) == collected(got)
    assert collected(delta.read_spark(spark, table, 0)) == sorted(rows(1, 1) + rows(2, 2))  # time travel
    # the trap: a plain read of the folder also reads January's removed files
    assert spark.read.parquet(str(table)).count() == 5
    assert not any((table / delta.STAGING).iterdir()) if (table / delta.STAGING).exists() else True


def test_a_failed_spark_write_leaves_the_table_as_it_was(spark, tmp_path):
    from pyspark.sql import functions as F

    table = tmp_path / "sales"
    delta.write_spark(spark.createDataFrame(rows(1, 1), SCHEMA), table, PARTS)
    files = sorted(p for p in table.rglob("*") if p.is_file() and "_delta_log" not in p.parts)
    bad = spark.createDataFrame(rows(1, 2) + rows(3, 3), SCHEMA).withColumn(
        "units_sold", F.when(F.col("month") == 3, F.raise_error(F.lit("bad row"))).otherwise(F.col("units_sold"))
    )
    with pytest.raises(Exception, match="bad row"):
        delta.write_spark(bad, table, PARTS, "partitions")
    assert sorted(p for p in table.rglob("*") if p.is_file() and "_delta_log" not in p.parts) == files
    assert delta.current_version(table) == 0
    assert collected(delta.read_spark(spark, table)) == sorted(rows(1, 1))


def test_two_spark_writers_of_one_new_partition_one_conflicts(spark, tmp_path, monkeypatch):
    table = tmp_path / "sales"
    delta.write_spark(spark.createDataFrame(rows(1, 1), SCHEMA), table, PARTS)

    def writer(units: int):
        return lambda: delta.write_spark(spark.createDataFrame(rows(2, units), SCHEMA), table, PARTS, "partitions")

    outcomes = write_at_once(monkeypatch, [writer(100), writer(200)])
    assert sorted(type(o).__name__ for o in outcomes) == ["ConcurrentWriteError", "DeltaCommit"], outcomes
    february = {r.units_sold for r in delta.read_spark(spark, table).collect() if r.month == 2}
    assert february in ({100}, {200})
    assert len(list((table / "year=2022" / "month=2").glob("*.parquet"))) == 1  # the loser's file is gone


def test_lake_publishes_a_delta_entry_from_spark_by_partition(spark, tmp_path, monkeypatch):
    ds = dataclasses.replace(SILVER_DAILY_SALES, storage="delta", partition_by=("year", "month"))
    monkeypatch.setitem(catalog.CATALOG, ("silver", "daily_sales"), ds)
    lk = Lake(tmp_path)
    lk.publish_spark(ds, spark.createDataFrame(rows(1, 1) + rows(2, 2), SCHEMA), {"run": "a"})
    pub = lk.publish_spark(ds, spark.createDataFrame(rows(2, 5), SCHEMA), {"run": "b"}, replace="partitions")
    assert (pub.version, pub.rows) == ("1", 4)
    assert collected(lk.read_spark(spark, ds)) == sorted(rows(1, 1) + rows(2, 5))
    assert lk.manifest(ds)["metadata"] == {"run": "b"}
    back = lk.read_pandas(ds).sort_values(["month", "state"]).reset_index(drop=True)
    expected = pd.DataFrame(sorted(rows(1, 1) + rows(2, 5)), columns=back.columns)
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)


def test_odd_partition_values_and_timestamps_read_the_same_in_spark_and_pandas(spark, tmp_path):
    table = tmp_path / "t"
    ts = dt.datetime(2022, 1, 1, 3, 4, 5)
    sdf = spark.createDataFrame(
        [(1, ts, "a/b c%d"), (2, ts, None), (3, None, "x=y")], "n int, at timestamp, tag string"
    )
    delta.write_spark(sdf, table, ["tag"])
    assert collected(delta.read_spark(spark, table)) == collected(sdf)
    pandas = delta.read_pandas(table).sort_values("n")
    assert pandas["tag"].tolist() == ["a/b c%d", None, "x=y"]
    assert pandas["at"].iloc[0] == pd.Timestamp(ts, tz="UTC")


def test_a_pandas_written_table_with_naive_timestamps_reads_in_spark(spark, tmp_path):
    table = tmp_path / "t"
    at = pd.Timestamp("2022-01-01 03:04:05")
    delta.write_pandas(pd.DataFrame({"at": [at], "year": [2022]}), table, ["year"])
    got = delta.read_spark(spark, table)
    assert got.schema.simpleString() == "struct<at:timestamp_ntz,year:bigint>"
    assert got.collect()[0].at == at.to_pydatetime()


def test_a_stream_of_arrow_tables_is_one_version_and_spark_reads_chosen_partitions(spark, tmp_path):
    import pyarrow as pa

    table = tmp_path / "bronze"
    schema = pa.schema([("source_file", pa.string()), ("units", pa.string()), ("_source_row", pa.int32())])
    files = [f"sales_2021-07-0{d}.csv" for d in (1, 2, 3)]

    def stream(names, units):
        for name in names:
            yield pa.table(
                {"units": [units, units], "_source_row": pa.array([2, 3], pa.int32()), "source_file": [name] * 2}
            )

    first = delta.write_arrow(stream(files, "1"), table, schema, ["source_file"], "partitions")
    assert first.version == 0 and first.rows == 6 and first.files_added == 3
    again = delta.write_arrow(stream(files[1:2], "2"), table, schema, ["source_file"], [{"source_file": files[1]}])
    assert again.version == 1 and again.table_rows == 6
    picked = delta.read_spark(spark, table, partitions=[{"source_file": files[1]}, {"source_file": files[2]}])
    assert sorted(collected(picked)) == [(files[1], "2", 2), (files[1], "2", 3), (files[2], "1", 2), (files[2], "1", 3)]
    assert delta.read_spark(spark, table, partitions=[]).count() == 0
    grouped = delta.read_spark(spark, table, groups=[[{"source_file": files[1]}], [{"source_file": files[2]}]])
    assert sorted(collected(grouped)) == sorted(collected(picked))
    per_task = lambda sdf: sorted(sdf.rdd.mapPartitions(lambda rs: [len({r.source_file for r in rs})]).collect())  # noqa: E731
    assert per_task(picked) == [2]  # one scan packs small files of both groups into one task
    assert per_task(grouped) == [1, 1]  # a scan a group (in at most two tasks): a task holds one group's rows
    with pytest.raises(ValueError, match="not both"):
        delta.read_spark(spark, table, partitions=[], groups=[])
    empty = delta.write_arrow(iter(()), table, schema, ["source_file"], [{"source_file": files[0]}])
    assert empty.table_rows == 4  # a replaced partition with no new rows is emptied


def test_a_check_sees_the_staged_files_and_a_failing_check_commits_nothing(spark, tmp_path):
    table, seen = tmp_path / "sales", []
    first = spark.createDataFrame(rows(1, 1) + rows(2, 2), SCHEMA)

    def passes(written):
        seen.append((written.dtypes, collected(written)))
        return {"checked": True}

    commit = delta.write_spark(first, table, PARTS, metadata={"run": "a"}, check=passes)
    assert seen == [(first.dtypes, collected(first))]  # the staged files, read with the frame's columns and types
    assert delta.manifest(table)["metadata"] == {"run": "a", "checked": True}
    files = set(delta.file_uris(table))

    def fails(written):
        raise ValueError(f"{written.count()} rows refused")

    with pytest.raises(ValueError, match="2 rows refused"):
        delta.write_spark(spark.createDataFrame(rows(3, 3), SCHEMA), table, PARTS, "partitions", check=fails)
    assert delta.current_version(table) == commit.version and set(delta.file_uris(table)) == files
    assert sorted(p.relative_to(table).parts[0] for p in table.rglob("*.parquet")) == ["year=2022", "year=2022"]
