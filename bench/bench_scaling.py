"""Benchmark: the lake's cost as data grows, landing -> bronze -> silver -> gold, beside its peers.

For each profile (``small`` ~0.1M state-level rows, ``medium`` ~10M and ``large`` ~100M store-level rows,
one CSV a day) the landing files are generated once into a folder (2017-01-01..2022-12-30, plus the new
day 2022-12-31 kept aside), then each engine runs in its own process (a fresh JVM, its own memory):

* ``smelter``: the forecast's lake stages (ingest sales and population, refine, build gold: gates,
  manifests, Delta commits included), a full backfill on Spark ``local[2]``; then the new day is dropped
  into the landing folder and the same stages run incrementally (``daily``). As in the refine flow, the
  sales ingest runs beside the population's ingest and refine (two threads);
* ``spark-layers``: a bare PySpark script writing the same layers (CSVs -> bronze Parquet -> silver typed and
  partitioned by year and month -> gold) with no gates, manifests, Delta commits or versioning: the
  framework's cost is Smelter's time over this one;
* ``spark``: a bare PySpark script straight from the CSVs to gold (parse, sum per state and date, join
  population, calendar columns, write Parquet): what the result alone costs the engine;
* ``pandas``: the peer of :mod:`bench.pandas_peer` reading the CSVs, under a memory cap (``--pandas-gib``):
  where it cannot finish the table says at how many rows it stopped;
* ``duckdb``: the same SQL in DuckDB (2 threads), the single-machine limit.

Wall seconds exclude the Spark session's start (its own column). Driver MiB is the peak resident set of
the engine's Python process; JVM MiB that of its descendants (the Spark JVM and its Python workers).

    python -m bench.bench_scaling [--profiles small,medium,large] [--data DIR] [--pandas-gib 12]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from bench import pandas_peer
from bench.measure import measure, print_table
from bench.processes import cpu_seconds

PROFILES = ("small", "medium", "large")
ENGINES = ("smelter", "spark-layers", "spark", "pandas", "duckdb")
START, LAST, NEW_DAY = "2017-01-01", "2022-12-30", "2022-12-31"
TEST_START = "2022-01-01"
SEED = 42
MASTER = "local[2]"
LANDING, NEW, POPULATION, META = "landing", "new_day", "state_population.csv", "profile.json"


# --- the data -----------------------------------------------------------------------------------


def write_landing(folder: Path, profile: str) -> dict[str, Any]:
    """Generate a profile's landing files once into ``folder``: ``landing/`` (the backfill), ``new_day/``
    (2022-12-31's file) and the population; returns (and keeps in ``profile.json``) rows and bytes."""
    from tasks.demand_forecast import sources

    meta_path = folder / META
    if meta_path.exists():
        return json.loads(meta_path.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    (folder / LANDING).mkdir(parents=True)
    (folder / NEW).mkdir()
    stores = sources.profile_stores_per_state(profile)
    if stores is None:  # the state-level shape: one file for the history, a day file for the new day
        sales = sources.generate_daily_sales(sources.default_population(), START, NEW_DAY, seed=SEED)
        new = sales["Date"] == pd.Timestamp(NEW_DAY).strftime("%m/%d/%Y")
        sales[~new].to_csv(folder / LANDING / "daily_sales.csv", index=False, lineterminator="\n")
        sales[new].to_csv(folder / NEW / f"daily_sales_{NEW_DAY}.csv", index=False, lineterminator="\n")
        rows = int((~new).sum())
    else:
        written = sources.write_store_sales(
            folder / "gen", seed=SEED, start=START, end=NEW_DAY, stores_per_state=stores
        )
        for path in written:
            path.rename(folder / (NEW if path.name.endswith(f"{NEW_DAY}.csv") else LANDING) / path.name)
        shutil.rmtree(folder / "gen")
        rows = sources.store_sales_rows(sources.default_population(), stores, START, LAST)
    sources.write_population(folder)
    size = sum(p.stat().st_size for p in (folder / LANDING).iterdir())
    meta = {"profile": profile, "rows": rows, "bytes": size, "files": len(list((folder / LANDING).iterdir()))}
    meta_path.write_text(json.dumps(meta))
    return meta


# --- the engines (each run by :func:`worker` in its own process) ----------------------------------


class Timers:
    """Seconds spent in named functions, by patching them where the stages look them up (Smelter's
    breakdown: gates, Spark writes, Delta commits, vacuum)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def patched(self, targets: dict[str, tuple[Any, str]]) -> Iterator[None]:
        saved = [(owner, attr, getattr(owner, attr)) for owner, attr in targets.values()]
        for label, (owner, attr) in targets.items():
            setattr(owner, attr, self._timed(label, getattr(owner, attr)))
        try:
            yield
        finally:
            for owner, attr, fn in saved:
                setattr(owner, attr, fn)

    def _timed(self, label: str, fn: Callable) -> Callable:
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - started

        return timed

    def take(self) -> dict[str, float]:
        out, self.seconds = self.seconds, {}
        return out


def _settings(work: Path):
    from smelter.settings import load_settings

    return load_settings(data_root=work / "lake", mlruns_root=work / "mlruns", spark={"master": MASTER})


def _smelter_stages(settings, landing: Path, population: Path, backfill: bool) -> list[tuple[str, Callable]]:
    from tasks.demand_forecast import stages

    def population_branch() -> None:
        stages.ingest_population.fn(settings, str(population))
        stages.refine_population_stage.fn(settings, START, NEW_DAY)

    def ingest_beside_population() -> None:  # as the refine flow runs them: two Prefect futures at once
        with ThreadPoolExecutor(2) as pool:
            branches: list[Future[Any]] = [
                pool.submit(stages.ingest_sales.fn, settings, str(landing)),
                pool.submit(population_branch),
            ]
            for branch in branches:
                branch.result()

    return [
        ("ingest sales | population", ingest_beside_population),
        ("refine sales", lambda: stages.refine_sales_stage.fn(settings, START, NEW_DAY, backfill)),
        ("build gold", lambda: stages.build_features_stage.fn(settings, TEST_START, START, NEW_DAY, backfill)),
    ]


def run_smelter(data: Path, work: Path) -> dict[str, Any]:
    """The lake stages: a backfill, then one incremental run after the new day lands."""
    from smelter import delta, quality
    from smelter.spark import get_lake_spark

    settings = _settings(work)
    landing = work / LANDING  # hard links: the new day is dropped here, not into the shared data
    landing.mkdir(parents=True)
    for path in (data / LANDING).iterdir():
        os.link(path, landing / path.name)
    timers = Timers()
    targets = {
        "gate": (quality, "validate_spark"),
        "spark write": (delta, "write_spark"),
        "arrow write": (delta, "write_arrow"),
        "commit": (delta, "commit_parquet"),
        "vacuum": (delta, "vacuum"),
    }
    out: dict[str, Any] = {"stages": {}, "parts": {}}
    with measure() as start:
        get_lake_spark(settings)
    out["start"] = start.seconds
    with timers.patched(targets):
        for run, backfill in (("backfill", True), ("daily", False)):
            if run == "daily":
                for path in (data / NEW).iterdir():
                    shutil.copy2(path, landing / path.name)
            with usage() as out[run]:
                for name, step in _smelter_stages(settings, landing, data / POPULATION, backfill):
                    started, cpu = time.perf_counter(), cpu_seconds(os.getpid())
                    step()
                    out["stages"][f"{run}: {name}"] = time.perf_counter() - started
                    out["parts"][f"{run}: {name}"] = {"CPU": cpu_seconds(os.getpid()) - cpu, **timers.take()}
    return out


def run_spark(data: Path, work: Path) -> dict[str, Any]:
    """The bare PySpark script: CSVs -> parse -> per (state, date) -> population joined -> Parquet."""
    from pyspark.sql import functions as F

    from smelter.spark import get_spark

    with measure() as start:
        spark = get_spark(_settings(work).spark)
    out: dict[str, Any] = {"start": start.seconds}
    with usage() as out["backfill"]:
        raw = spark.read.option("header", True).csv(str(data / LANDING))
        date = F.to_date(F.trim("Date"), "M/d/yyyy")
        units = F.regexp_replace(F.trim(F.col("`Units Sold`")), ",", "").cast("int")
        per_state = (
            raw.select(date.alias("date"), F.trim("State").alias("state"), units.alias("units"))
            .groupBy("date", "state")
            .agg(F.sum("units").cast("int").alias("units_sold"), F.count(F.lit(1)).cast("int").alias("store_count"))
        )
        gold = _gold(spark, per_state, data)
        gold.write.parquet(str(work / "gold"))
    return out


def run_spark_layers(data: Path, work: Path) -> dict[str, Any]:
    """The bare PySpark script writing the same layers as Smelter, with no gates, manifests, Delta commits
    or versioning: CSVs -> bronze (text columns and the source file, Parquet) -> silver (typed, one row per
    date, state and store, partitioned by year and month) -> gold (per state and date, population joined)."""
    from pyspark.sql import functions as F

    from smelter.spark import get_spark

    with measure() as start:
        spark = get_spark(_settings(work).spark)
    out: dict[str, Any] = {"start": start.seconds}
    with usage() as out["backfill"]:
        raw = spark.read.option("header", True).csv(str(data / LANDING))
        raw.withColumn("source_file", F.element_at(F.split(F.input_file_name(), "/"), -1)).write.parquet(
            str(work / "bronze")
        )
        bronze = spark.read.parquet(str(work / "bronze"))
        silver = bronze.select(
            F.to_date(F.trim("Date"), "M/d/yyyy").alias("date"),
            F.trim("State").alias("state"),
            (F.coalesce(F.trim("Store"), F.lit("*")) if "Store" in bronze.columns else F.lit("*")).alias("store"),
            F.regexp_replace(F.trim(F.col("`Units Sold`")), ",", "").cast("int").alias("units_sold"),
            "source_file",
        )
        silver = silver.select("*", F.year("date").alias("year"), F.month("date").alias("month"))
        silver.write.partitionBy("year", "month").parquet(str(work / "silver"))
        sales = spark.read.parquet(str(work / "silver"))
        per_state = sales.groupBy("date", "state").agg(
            F.sum("units_sold").cast("int").alias("units_sold"), F.count(F.lit(1)).cast("int").alias("store_count")
        )
        _gold(spark, per_state, data).write.parquet(str(work / "gold"))
    return out


def _gold(spark, per_state, data: Path):
    """Per (state, date) sales joined with the population, with the calendar columns and the split."""
    from pyspark.sql import functions as F

    wide = spark.read.option("header", True).csv(str(data / POPULATION))
    years = tuple(c for c in wide.columns if c != "State")
    population = wide.unpivot("State", years, "year", "text").select(
        F.trim("State").alias("state"),
        F.col("year").cast("int").alias("year"),
        F.regexp_replace("text", ",", "").cast("long").alias("population"),
    )
    return (
        per_state.withColumn("year", F.year("date"))
        .join(population, ["state", "year"], "left")
        .withColumns(
            {
                "month": F.month("date"),
                "day_of_year": F.dayofyear("date"),
                "day_of_week": (F.dayofweek("date") + 5) % 7,
                "week_of_year": F.weekofyear("date"),
                "split": F.when(F.col("date") >= F.lit(TEST_START).cast("date"), "test").otherwise("train"),
            }
        )
    )


def run_duckdb(data: Path, work: Path) -> dict[str, Any]:
    """The same transformation as one DuckDB query, 2 threads."""
    import duckdb

    sales = str(data / LANDING / "*.csv")
    query = f"""
    COPY (
      WITH sales AS (
        SELECT CAST(strptime(trim("Date"), '%m/%d/%Y') AS DATE) AS date, trim("State") AS state,
               TRY_CAST(replace(trim("Units Sold"), ',', '') AS INTEGER) AS units
        FROM read_csv('{sales}', all_varchar = true, header = true)),
      per_state AS (
        SELECT date, state, CAST(sum(units) AS INTEGER) AS units_sold, CAST(count(*) AS INTEGER) AS store_count
        FROM sales GROUP BY date, state),
      population AS (
        SELECT trim("State") AS state, CAST(year AS INTEGER) AS year,
               CAST(replace(text, ',', '') AS BIGINT) AS population
        FROM (UNPIVOT (FROM read_csv('{data / POPULATION}', all_varchar = true, header = true))
              ON COLUMNS(* EXCLUDE ("State")) INTO NAME year VALUE text))
      SELECT p.*, year(p.date) AS year, population, month(p.date) AS month, dayofyear(p.date) AS day_of_year,
             isodow(p.date) - 1 AS day_of_week, weekofyear(p.date) AS week_of_year,
             CASE WHEN p.date >= DATE '{TEST_START}' THEN 'test' ELSE 'train' END AS split
      FROM per_state p LEFT JOIN population pop ON p.state = pop.state AND year(p.date) = pop.year
    ) TO '{work / "gold.parquet"}' (FORMAT parquet)
    """
    out: dict[str, Any] = {"start": 0.0}
    with usage() as out["backfill"]:
        con = duckdb.connect(config={"threads": 2})
        con.execute(query)
        con.close()
    return out


def run_pandas(data: Path, work: Path, progress: Path) -> dict[str, Any]:
    """The pandas peer over the landing CSVs; ``progress`` records the rows read so far (what a run
    killed for memory got to)."""
    rows, stage = 0, "read"

    def note() -> None:
        progress.write_text(json.dumps({"rows": rows, "stage": stage}))

    out: dict[str, Any] = {"start": 0.0}
    with usage() as out["backfill"]:
        frames = []
        for i, path in enumerate(sorted((data / LANDING).iterdir())):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            frames.append(frame.assign(_source_row=range(2, len(frame) + 2)))
            rows += len(frame)
            if i % 50 == 0:
                note()
        stage = "concat"
        note()
        bronze = pd.concat(frames, ignore_index=True)
        del frames
        stage = "refine"
        note()
        silver = pandas_peer.refine_sales(bronze)
        del bronze
        population = pd.read_csv(data / POPULATION, dtype=str, keep_default_na=False)
        population = pandas_peer.unpivot_population(population.assign(_source_row=range(2, len(population) + 2)))
        stage = "gold"
        note()
        gold = pandas_peer.build_gold(silver, population, TEST_START)
        gold.to_parquet(work / "gold.parquet", index=False)
    return out


@contextmanager
def usage() -> Iterator[dict[str, float]]:
    """``with usage() as u: ...`` -> ``u``: wall seconds, CPU seconds (this process and its children),
    peak MiB of the driver and of the JVM."""
    cpu, out = cpu_seconds(os.getpid()), dict[str, float]()
    with measure() as m:
        yield out
    out.update(
        seconds=m.seconds,
        cpu=cpu_seconds(os.getpid()) - cpu,
        driver_mib=m.own_peak_mib,
        jvm_mib=m.children_peak_mib,
    )


def worker(engine: str, data: Path, work: Path, result: Path, memory_gib: float) -> None:
    """Run one engine on one profile's data (in this process) and write its measurements to ``result``."""
    if engine == "pandas":
        cap = int(memory_gib * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        progress = result.with_suffix(".progress")
        try:
            out = run_pandas(data, work, progress)
        except MemoryError:
            out = {"error": f"out of memory (cap {memory_gib:g} GiB)", **json.loads(progress.read_text())}
    else:
        runs = {"smelter": run_smelter, "spark-layers": run_spark_layers, "spark": run_spark, "duckdb": run_duckdb}
        out = runs[engine](data, work)
    result.write_text(json.dumps(out))


# --- the table ----------------------------------------------------------------------------------


def run_engine(engine: str, data: Path, work: Path, memory_gib: float, log: Path) -> dict[str, Any]:
    """One engine in a child process (fresh JVM and memory); its measurements, or what stopped it."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    result = work / "result.json"
    cmd = [sys.executable, "-m", "bench.bench_scaling", "--worker", engine, "--data", str(data), "--work", str(work)]
    cmd += ["--result", str(result), "--pandas-gib", str(memory_gib)]
    with log.open("ab") as out:
        out.write(f"\n--- {engine} {data.name}\n".encode())
        out.flush()
        code = subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT)
    if result.exists():
        return json.loads(result.read_text())
    progress = result.with_suffix(".progress")
    if progress.exists():
        return {"error": "killed", **json.loads(progress.read_text())}
    return {"error": f"exit {code} (see {log})"}


def table_rows(profile: str, meta: dict, results: dict[str, dict]) -> list[list]:
    """Rows of the scaling table for one profile."""
    rows: list[list] = []
    million = meta["rows"] / 1e6
    labels = {
        "smelter": "Smelter lake stages",
        "spark-layers": "bare PySpark, same layers",
        "spark": "bare PySpark, straight to gold",
        "pandas": "pandas peer",
        "duckdb": "DuckDB",
    }
    for engine, res in results.items():
        if "error" in res:
            where = f" at {res['rows']:,} rows ({res.get('stage')})" if "rows" in res else ""
            rows.append([profile, labels[engine], meta["rows"], "", "", "", "", "", "", f"{res['error']}{where}"])
            continue
        run = res["backfill"]
        note = ""
        if engine == "smelter":
            peers = [(p, results[p]) for p in ("spark-layers", "spark") if "error" not in results.get(p, {"error": 1})]
            note = ", ".join(
                f"{run['seconds'] / res['backfill']['seconds']:.2f}x {labels[p].removeprefix('bare PySpark, ')}"
                for p, res in peers
            )
        rows.append(
            [
                profile,
                labels[engine],
                meta["rows"],
                run["seconds"],
                run["seconds"] / million,
                run["cpu"],
                res["start"],
                run["driver_mib"],
                run["jvm_mib"],
                note,
            ]
        )
        if engine == "smelter":
            daily = res["daily"]
            share = f"{100 * daily['seconds'] / run['seconds']:.1f}% of the backfill"
            rows.append(
                [profile, "Smelter daily run (1 new day)", "", daily["seconds"], "", daily["cpu"], "",
                 daily["driver_mib"], daily["jvm_mib"], share]
            )  # fmt: skip
    return rows


BREAKDOWN = ["gate", "spark write", "arrow write", "commit", "vacuum"]


def breakdown_rows(profile: str, res: dict) -> list[list]:
    """Where Smelter's time goes: per stage, the seconds in gates, writes (a Spark or Arrow write
    includes its Delta commit, also shown alone), vacuum, and the rest (reading and parsing bronze into
    the cache, the store check, plans)."""
    rows = []
    for stage, seconds in res["stages"].items():
        timed = res["parts"].get(stage, {})
        outer = ["spark write", "arrow write", "vacuum"] + ([] if "spark write" in timed else ["gate"])
        known = sum(timed.get(k, 0.0) for k in outer)  # a Spark write of a Delta table runs the gate and commit
        rest = seconds - known if seconds >= known else ""  # concurrent branches: their parts overlap
        rows.append([profile, stage, seconds, timed["CPU"], *(timed.get(p, "") for p in BREAKDOWN), rest])
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profiles", default="small,medium", help="comma-separated, of small,medium,large")
    ap.add_argument("--engines", default=",".join(ENGINES), help="comma-separated, of " + ",".join(ENGINES))
    ap.add_argument("--data", type=Path, default=None, help="keep the generated landing files here (reused)")
    ap.add_argument("--pandas-gib", type=float, default=12.0, help="address-space cap of the pandas peer")
    ap.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker, args.data, args.work, args.result, args.pandas_gib)
        return
    profiles = [p.strip() for p in args.profiles.split(",") if p.strip()]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if bad := sorted(set(profiles) - set(PROFILES)) + sorted(set(engines) - set(ENGINES)):
        ap.error(f"unknown profile(s) or engine(s) {bad}")
    with tempfile.TemporaryDirectory(prefix="smelter-scaling-") as tmp:
        data_root = args.data or Path(tmp) / "data"
        log = Path(tmp) / "engines.log" if args.data is None else args.data / "engines.log"
        rows, parts = [], []
        for profile in profiles:
            with measure() as gen:
                meta = write_landing(data_root / profile, profile)
            print(
                f"{profile}: {meta['rows']:,} rows in {meta['files']} file(s), {meta['bytes'] / 2**20:,.0f} MiB CSV "
                f"(generated or found in {gen.seconds:.1f} s)",
                flush=True,
            )
            results = {}
            for engine in engines:
                results[engine] = run_engine(engine, data_root / profile, Path(tmp) / "work", args.pandas_gib, log)
                print(f"  {engine}: {json.dumps(results[engine])[:300]}", flush=True)
            rows += table_rows(profile, meta, results)
            if "smelter" in results and "error" not in results["smelter"]:
                parts += breakdown_rows(profile, results["smelter"])
        load = " ".join(f"{v:.2f}" for v in os.getloadavg())
        print_table(
            f"Landing -> bronze -> silver -> gold, Spark {MASTER}, {os.cpu_count()} cores, load average {load} "
            "(wall s excludes the Spark start; JVM MiB: the Spark JVM and its Python workers)",
            [
                "profile",
                "engine",
                "raw rows",
                "wall s",
                "s / M rows",
                "CPU s",
                "start s",
                "driver MiB",
                "JVM MiB",
                "note",
            ],
            rows,
        )
        if parts:
            print_table(
                "Where Smelter's time goes (s; a Spark write computes the frame and includes its gate and commit, "
                "an Arrow write reads the landing files; rest: reads, plans, the Spark session's first jobs)",
                ["profile", "stage", "wall s", "CPU s", *BREAKDOWN, "rest"],
                parts,
            )
        if args.data is not None:
            print(f"\nlanding files kept in {args.data} (delete them when done)")


if __name__ == "__main__":
    main()
