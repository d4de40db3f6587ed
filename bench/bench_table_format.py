"""Benchmark: the table format of the lake, home-grown version folders against Delta Lake (delta-rs).

On store-level daily sales generated in Spark (``--rows``, 10M by default, six years, partitioned
by year and month, Spark ``local[2]``), in a temporary lake:

(a) a full write: bare Spark Parquet, a version folder, a Delta table;
(b) an incremental update replacing one month (a month of rows plus a new day): the version
    folder rewritten by Spark, the folder with the untouched partitions copied or hard-linked,
    and Delta replacing the one partition; MB written counts new files only (not hard links);
(c) correctness after (b): a plain ``read.parquet`` of the Delta folder, its file list, time travel;
(d) two writers at once (small data): version folders lose an update silently, Delta refuses one;
(e) who can read the Delta table here.

    python -m bench.bench_table_format [--rows 10000000]
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from bench.measure import measure, print_table
from smelter import catalog, delta
from smelter.lake import Lake
from smelter.settings import SparkSettings
from smelter.spark import get_spark

PARTS = ("year", "month")
KEY = ("silver", "daily_sales")
KEY_NAME = "silver/daily_sales"
DAYS = 6 * 365
MONTH = (2022, 12)  # the month the incremental run replaces
REPEAT = 3  # full writes and reads: best of three (a shared machine)


@contextmanager
def stored_as(storage: str, partition_by: tuple[str, ...] = PARTS) -> Iterator[str]:
    """The catalog's silver daily sales, for the block, partitioned by month and stored as ``storage``."""
    saved = catalog.CATALOG[KEY]
    catalog.CATALOG[KEY] = dataclasses.replace(saved, partition_by=partition_by, storage=storage)  # type: ignore[arg-type]
    try:
        yield "silver/daily_sales"
    finally:
        catalog.CATALOG[KEY] = saved


def sales(spark, rows: int, days: int = DAYS, start: str = "2017-01-01"):
    """``rows`` store-level sales rows spread over ``days`` days from ``start``: date, state,
    store, units_sold, year, month."""
    from pyspark.sql import functions as F

    day = F.date_add(F.lit(start).cast("date"), (F.col("id") % days).cast("int"))
    return spark.range(rows).select(
        day.alias("date"),
        F.format_string("S%02d", (F.col("id") % 51).cast("int")).alias("state"),
        (F.rand(1) * 997).cast("int").alias("store"),
        (F.rand(2) * 50).cast("int").alias("units_sold"),
        F.year(day).alias("year"),
        F.month(day).alias("month"),
    )


def new_inode_mib(folder: Path, before: set[tuple[int, int]]) -> float:
    """MiB of the files under ``folder`` whose inode was not there ``before`` (written, not linked)."""
    return (
        sum(
            p.stat().st_size
            for p in folder.rglob("*")
            if p.is_file() and (p.stat().st_ino, p.stat().st_mtime_ns) not in before
        )
        / 2**20
    )


def inodes(folder: Path) -> set[tuple[int, int]]:
    return (
        {(p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}
        if folder.exists()
        else set()
    )


def timed(label: str, fn: Callable[[], object], folder: Path) -> list:
    """One table row: seconds of ``fn``, the MiB it wrote under ``folder`` (new files, not hard
    links) and the peak memory of this process and the JVM."""
    before = inodes(folder)
    with measure() as m:
        fn()
    return [label, m.seconds, new_inode_mib(folder, before), m.peak_mib]


def best(runs: list[list]) -> list:
    """The fastest of several rows of one step."""
    return min(runs, key=lambda r: r[1])


def publisher(spark, lake: Lake, n: int) -> Callable[[], object]:
    return lambda: lake.publish_spark(KEY_NAME, sales(spark, n))


def full_writes(spark, root: Path, n: int) -> list[list]:
    """Bare Spark, a version folder and a Delta table, taking turns ``REPEAT`` times (the machine is
    shared: turns spread its load over the three); the best of each."""
    bare = root / "bare"
    steps = [
        (
            "bare Spark partitioned Parquet",
            lambda: sales(spark, n).write.mode("overwrite").partitionBy(*PARTS).parquet(str(bare)),
            bare,
            "versions",
        )
    ] + [
        (
            f"{storage}: publish_spark",
            publisher(spark, Lake(root / storage), n),
            root / storage,
            storage,
        )
        for storage in ("versions", "delta")
    ]
    runs: dict[str, list[list]] = {label: [] for label, *_ in steps}
    for _ in range(REPEAT):
        for label, fn, folder, storage in steps:
            with stored_as(storage):
                runs[label].append(timed(label, fn, folder))
    return [best(r) for r in runs.values()]


def month_update(spark, n: int):
    """The replaced month: a month's share of rows over the month's 31 days, plus a new day's rows."""
    year, month = MONTH
    per_day = n // DAYS
    return sales(spark, per_day * 32, 31, f"{year}-{month:02d}-01")


def incremental(spark, root: Path, n: int) -> list[list]:
    from pyspark.sql import functions as F

    rows: list[list] = []
    with stored_as("versions") as ds:
        lk, folder = Lake(root / "versions"), root / "versions" / "silver" / "daily_sales"
        other = (F.col("year") != MONTH[0]) | (F.col("month") != MONTH[1])

        def rewrite():
            return lk.publish_spark(ds, lk.read_spark(spark, ds).where(other).unionByName(month_update(spark, n)))

        def share(link: bool) -> Callable[[], object]:
            def write(dest: Path) -> int:
                old = lk.data_path(ds)
                for part in old.glob("year=*/month=*"):
                    if part.parts[-2:] != (f"year={MONTH[0]}", f"month={MONTH[1]}"):
                        shutil.copytree(
                            part, dest / part.relative_to(old), copy_function=os.link if link else shutil.copy2
                        )
                month_update(spark, n).write.mode("append").partitionBy(*PARTS).parquet(str(dest))
                return n

            return lambda: lk.publish(ds, write)

        for label, fn in (
            ("rewrite all", rewrite),
            ("copy untouched", share(False)),
            ("hard-link untouched", share(True)),
        ):
            rows.append(timed(f"versions: {label}", fn, folder))
    with stored_as("delta") as ds:
        lk, folder = Lake(root / "delta"), root / "delta" / "silver" / "daily_sales"
        replace_month = lambda: lk.publish_spark(ds, month_update(spark, n), replace="partitions")  # noqa: E731
        rows.append(timed("delta: replace the month", replace_month, folder))
    return rows


def correctness(spark, root: Path, n: int) -> list[list]:
    table = root / "delta" / "silver" / "daily_sales"
    expected = (
        n - sales(spark, n).where(f"year = {MONTH[0]} and month = {MONTH[1]}").count() + month_update(spark, n).count()
    )
    plain = spark.read.parquet(str(table)).count()
    listed = delta.read_spark(spark, table).count()
    first = delta.read_spark(spark, table, 0).count()
    return [
        ["Spark read.parquet(<table>): every file not vacuumed", plain, expected, "yes" if plain == expected else "NO"],
        ["Spark read_spark (the version's file_uris)", listed, expected, "yes" if listed == expected else "NO"],
        ["Spark read_spark(version=0): time travel", first, n, "yes" if first == n else "NO"],
    ]


def concurrency(root: Path) -> list[list]:
    """Two writers read the current version at once, each adds its own month (or the same month);
    the Delta writers commit on the version they read (``read_version``)."""
    rows = []
    for storage, months in (("versions", (1, 2)), ("delta", (1, 1)), ("delta", (1, 2))):
        with stored_as(storage, PARTS if storage == "delta" else ()) as ds:
            outcome, kept = race(Lake(root / f"race-{storage}-{months[1]}"), ds, storage == "delta", months)
        lost = "" if len(kept) == outcome.count("committed") else ": an update lost, no error"
        touch = "same month" if months[0] == months[1] else "different months"
        rows.append([storage, touch, " + ".join(sorted(outcome)), f"units {kept} kept{lost}"])
    return rows


def race(lk: Lake, ds: str, is_delta: bool, months: tuple[int, int]) -> tuple[list[str], list[int]]:
    """Two threads that read the same version, then publish their change; what each got, and which
    writers' rows the final version holds."""
    base = pd.DataFrame({"date": [pd.Timestamp("2022-12-01")], "state": "S01", "store": 1, "units_sold": 1})
    lk.publish_pandas(
        ds, base.assign(year=2022, month=12).astype(dict.fromkeys(("store", "units_sold", "year", "month"), "int32"))
    )
    barrier, outcome = threading.Barrier(2), []

    def writer(month: int, units: int) -> None:
        version = lk.current_version(ds)
        current = lk.read_pandas(ds, version)
        mine = current.head(1).assign(month=month, units_sold=units).astype(current.dtypes.to_dict())
        barrier.wait()
        try:
            if is_delta:
                lk.publish_pandas(ds, mine, replace="partitions", read_version=version)
            else:
                lk.publish_pandas(ds, pd.concat([current, mine]))
            outcome.append("committed")
        except delta.ConcurrentWriteError:
            outcome.append("ConcurrentWriteError")

    threads = [threading.Thread(target=writer, args=(m, u)) for m, u in zip(months, (100, 200), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcome, sorted(set(lk.read_pandas(ds)["units_sold"]) & {100, 200})


def readers(spark, root: Path) -> list[list]:
    table = root / "delta" / "silver" / "daily_sales"
    rows: list[list] = []

    def add(name: str, fn: Callable[[], Any]) -> None:
        runs = []
        for _ in range(REPEAT):
            with measure() as m:
                total = fn()
            runs.append(m)
        rows.append([name, min(r.seconds for r in runs), int(total), max(r.peak_mib for r in runs)])

    def spark_sum(sdf: Any) -> Any:
        return sdf.agg({"units_sold": "sum"}).collect()[0][0]

    add(
        "Spark: read_spark (file_uris + basePath)",
        lambda: spark_sum(delta.read_spark(spark, table)),
    )
    with stored_as("versions") as ds:
        add(
            "Spark: version folder (home-grown)",
            lambda: spark_sum(Lake(root / "versions").read_spark(spark, ds)),
        )
    add("pandas/pyarrow via deltalake", lambda: delta.read_pandas(table, columns=["units_sold"])["units_sold"].sum())
    if importlib.util.find_spec("polars"):
        pl = importlib.import_module("polars")
        add("Polars read_delta", lambda: pl.read_delta(str(table), columns=["units_sold"])["units_sold"].sum())
    else:
        rows.append(["Polars read_delta", "not installed", "", ""])
    if importlib.util.find_spec("duckdb"):
        duckdb = importlib.import_module("duckdb")
        files = delta.file_uris(table)
        add(
            "DuckDB read_parquet(file_uris)",
            lambda: duckdb.sql(f"select sum(units_sold) from read_parquet({files})").fetchone()[0],
        )
    else:
        rows.append(
            ["DuckDB read_parquet(file_uris)", "not installed", "", "(its delta extension downloads; not here)"]
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args(argv)
    spark = get_spark(SparkSettings(master="local[2]", shuffle_partitions=2, driver_memory="2g"))
    root = Path(tempfile.mkdtemp(prefix="bench-table-format-"))
    try:
        sales(spark, 100_000).write.partitionBy(*PARTS).parquet(str(root / "warm-up"))  # JVM and JIT warm
        head = ["step", "seconds", "MiB written", "peak MiB"]
        print_table(
            f"(a) full write, {args.rows:,} rows, {DAYS} days by year/month", head, full_writes(spark, root, args.rows)
        )
        print_table(
            f"(b) replace {MONTH[0]}-{MONTH[1]:02d} (a month + one new day)", head, incremental(spark, root, args.rows)
        )
        print_table(
            "(c) correctness after (b)", ["read", "rows", "expected", "right"], correctness(spark, root, args.rows)
        )
        print_table(
            "(d) two writers at once", ["storage", "writers touch", "outcome", "final table"], concurrency(root)
        )
        print_table(
            "(e) readers of the Delta table: sum(units_sold)",
            ["reader", "seconds", "sum", "peak MiB"],
            readers(spark, root),
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
