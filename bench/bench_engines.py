"""Spark engines side by side: the forecast pipeline and 1M-row batch scoring on ``local[2]``, on a standalone
cluster and over Spark Connect, in one run, beside the in-process pandas scoring path.

    python -m bench.bench_engines [--rows 1000000] [--rounds 3] [--no-pipeline]

Starts, in a temporary folder, a Spark standalone master with 2 workers of 1 core each and a Spark Connect
server on it (:func:`scripts.engines.engines`; no MLflow server: the driver ships the model). Each engine
is measured in a child process of its own (one Spark session per process), one engine after the other, so
they never compete for the workers' cores:

* pipeline: the demand-forecast stages (:func:`bench.bench_pipeline.pipeline_stages`) on small generated
  data (3 states, 14 months, 20 trees), batch scoring on Spark, in fresh lake and MLflow roots: cold, as a
  flow run is (the session start is a stage of its own).
* scoring: :func:`smelter.scoring_spark.score_spark` of ``--rows`` synthetic gold rows
  (:func:`bench.bench_scoring.synthetic_gold`) with a registered 100-tree model: read one Parquet file,
  score, write Parquet. One warm-up run (ships the model, starts the executors' Python workers), then the
  best of ``--rounds``; the first run's predictions must equal the pandas path's.
* pandas: ``read_parquet`` + :func:`smelter.scoring.score_pandas` (defaults) + ``to_parquet`` of the same
  rows in this process, best of ``--rounds`` before the engines run and ``--rounds`` after them.

The machine may be shared: the 1-minute load average is printed for every measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from bench.bench_pipeline import pipeline_stages
from bench.bench_scoring import KEYS, MODEL, register, spark_seconds, synthetic_gold, timed
from bench.measure import measure, print_table
from bench.processes import cpu_seconds
from scripts.engines import engines, leftovers
from smelter.scoring import ScoringModel, load_model, score_pandas
from smelter.scoring_spark import PROBE_ROWS
from smelter.settings import PROJECT_ROOT, Settings, SparkSettings, load_settings
from smelter.tracking import configure_mlflow
from tasks.demand_forecast.model import ForecasterParams

PIPELINE_STATES = ["Ohio", "Texas", "Utah"]
PIPELINE_DATES = ("2021-01-01", "2022-02-28", "2022-01-01")  # start, end, test start
PIPELINE_PARAMS = ForecasterParams(num_iterations=20)


def load_1min() -> float:
    return os.getloadavg()[0]


def bench_settings(root: Path, master: str) -> Settings:
    """Settings with the lake and MLflow store under ``root`` and Spark on ``master``."""
    return load_settings(
        data_root=root / "data", mlruns_root=root / "mlruns", spark=SparkSettings(master=master, driver_memory="2g")
    )


def pandas_runs(model: ScoringModel, path: Path, out: Path, runs: int) -> list[list[float]]:
    """[wall s, CPU s of this process, 1-min load] per run of read Parquet + score_pandas + write Parquet."""

    def once() -> None:
        score_pandas(model, pd.read_parquet(path), KEYS).to_parquet(out, index=False)

    return [[*timed(once), load_1min()] for _ in range(runs)]


def same_predictions(spark_out: Path, pandas_out: Path) -> None:
    """The Spark run's rows and predictions are the pandas path's (any row order)."""
    got, expected = (pd.read_parquet(p).sort_values(KEYS).reset_index(drop=True) for p in (spark_out, pandas_out))
    assert len(got) == len(expected), f"{spark_out}: {len(got)} rows, pandas {len(expected)}"
    np.testing.assert_allclose(got["prediction"].to_numpy(), expected["prediction"].to_numpy(), rtol=1e-9)


def spark_udf_seconds(
    settings: Settings, model: ScoringModel, path: Path, out: Path, runs: int, cpu: Callable[[], float]
) -> list[tuple[float, float]]:
    """The library peer: ``mlflow.pyfunc.spark_udf`` (``env_manager="local"``) over the same input, spread the
    same way, keys + prediction columns written as Parquet to ``out/run-<i>``; (wall s, CPU s by ``cpu``) per
    run. The first run includes making the UDF (MLflow downloads and ships the model), as our first run
    includes shipping it."""
    import mlflow.pyfunc
    from pyspark.sql import functions as F
    from pyspark.sql.types import StructType

    from smelter.scoring_spark import output_schema, spread
    from smelter.spark import default_parallelism, get_spark

    spark, udf, times = get_spark(settings.spark), None, []
    for run in range(runs):
        started, used = time.perf_counter(), cpu()
        sdf = spark.read.parquet(str(path))
        inputs = model.columns_in(sdf.columns)
        if udf is None:
            fields = output_schema(spark, model, sdf, KEYS).fields
            result = StructType([f for f in fields if f.name not in (*KEYS, "model_name", "model_version")])
            udf = mlflow.pyfunc.spark_udf(spark, model.uri, result_type=result, env_manager="local")
        sdf = spread(sdf.select(*dict.fromkeys([*KEYS, *inputs])), default_parallelism(spark), KEYS)
        scored = sdf.select(*KEYS, udf(F.struct(*inputs)).alias("p")).select(*KEYS, "p.*")
        scored.write.mode("overwrite").parquet(str(out / f"run-{run}"))
        times.append((time.perf_counter() - started, cpu() - used))
    return times


def engine_child(name: str, master: str, work: Path, rounds: int, pipeline: bool) -> dict:
    """In a child process: the pipeline on ``master`` (cold session), then warm-up + ``rounds`` scoring runs."""
    result: dict = {"load_start": load_1min()}
    own = work / "".join(c for c in name if c.isalnum())  # no [ ]: Spark would read them as a glob
    if pipeline:
        settings = bench_settings(own / "pipeline", master)
        configure_mlflow(settings)
        with measure() as total:
            stages = pipeline_stages(settings, *PIPELINE_DATES, PIPELINE_STATES, PIPELINE_PARAMS, score_engine="spark")
        result["pipeline"] = {row[0]: row[1] for row in stages} | {"total": total.seconds}
        result["load_pipeline"] = load_1min()
    settings = bench_settings(work, master)
    configure_mlflow(settings)
    model, out = load_model(f"models:/{MODEL}@champion"), own / "scored"
    me, home = os.getpid(), work / "engines"

    def cpu() -> float:  # this process, its JVM and Python workers, and every process of the engines
        return cpu_seconds(me, *leftovers(home))

    runs = spark_seconds(settings, model, work / "input.parquet", rounds + 1, out, cpu)
    same_predictions(out / "run-0", work / "pandas.parquet")
    udf_times = spark_udf_seconds(settings, model, work / "input.parquet", own / "spark_udf", rounds + 1, cpu)
    same_predictions(own / "spark_udf" / "run-0", work / "pandas.parquet")
    return result | {"warmup": runs[0][0], "runs": runs[1:], "udf": udf_times, "load_end": load_1min()}


def run_child(name: str, master: str, work: Path, args: argparse.Namespace) -> dict:
    """:func:`engine_child` in a fresh process (its own Spark session); its log goes to ``work/<name>.log``."""
    log, result = work / f"{name}.log", work / f"{name}.json"
    cmd = [
        sys.executable,
        "-m",
        "bench.bench_engines",
        "--child",
        name,
        master,
        str(work),
        "--rounds",
        str(args.rounds),
    ]
    with log.open("wb") as out:
        done = subprocess.run(
            [*cmd, *(["--no-pipeline"] if args.no_pipeline else [])],
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=3600,
        )
    if done.returncode != 0:
        raise RuntimeError(f"{name} ({master}) failed, exit {done.returncode}:\n{log.read_text()[-4000:]}")
    return json.loads(result.read_text())


def overhead(seconds: float, base: float) -> str:
    return f"{seconds - base:+.1f} s ({seconds / base - 1:+.0%})"


def table_rows(results: dict[str, dict], pandas: list[list[float]], rows: int, rounds: int) -> list[list]:
    """One row per measure, one column per engine (local[2], cluster, connect) and pandas."""
    names, base = list(results), results["local[2]"]
    rows_out: list[list] = []
    if "pipeline" in base:
        for stage in base["pipeline"]:
            rows_out.append([f"pipeline: {stage} (s)", *(r["pipeline"][stage] for r in results.values()), "-"])
        total = base["pipeline"]["total"]
        rows_out.append(
            [
                "pipeline: overhead vs local[2]",
                *(overhead(r["pipeline"]["total"], total) for r in results.values()),
                "-",
            ]
        )
        rows_out.append(["load (1 min) after pipeline", *(f"{r['load_pipeline']:.2f}" for r in results.values()), "-"])
    pandas_best, pandas_cpu = min(w for w, _, _ in pandas), min(c for _, c, _ in pandas)
    best = {n: min(w for w, _ in results[n]["runs"]) for n in names}
    cpu = {n: min(c for _, c in results[n]["runs"]) for n in names}
    udf = {n: min(w for w, _ in results[n]["udf"][1:]) for n in names}
    rows_out += [
        ["scoring: warm-up run (s)", *(results[n]["warmup"] for n in names), "-"],
        [f"scoring: best of {rounds} (s)", *best.values(), pandas_best],
        [
            f"scoring: median of {rounds} (s)",
            *(float(np.median([w for w, _ in results[n]["runs"]])) for n in names),
            float(np.median([w for w, _, _ in pandas])),
        ],
        ["scoring: rows/s (best)", *(round(rows / best[n]) for n in names), round(rows / pandas_best)],
        ["scoring: rows/s vs pandas", *(f"{pandas_best / best[n]:.0%}" for n in names), "100%"],
        ["scoring: overhead vs local[2]", *(overhead(best[n], best["local[2]"]) for n in names), "-"],
        ["scoring: CPU s per run (least)", *cpu.values(), pandas_cpu],
        ["scoring: rows per CPU s", *(round(rows / cpu[n]) for n in names), round(rows / pandas_cpu)],
        ["peer mlflow spark_udf: warm-up run (s)", *(results[n]["udf"][0][0] for n in names), "-"],
        [f"peer mlflow spark_udf: best of {rounds} (s)", *udf.values(), "-"],
        ["peer mlflow spark_udf: rows/s (best)", *(round(rows / udf[n]) for n in names), "-"],
        [
            "peer mlflow spark_udf: CPU s per run (least)",
            *(min(c for _, c in results[n]["udf"][1:]) for n in names),
            "-",
        ],
        ["score_spark vs spark_udf (speed-up)", *(f"{udf[n] / best[n]:.2f}x" for n in names), "-"],
        [
            "load (1 min) start / end",
            *(f"{results[n]['load_start']:.2f} / {results[n]['load_end']:.2f}" for n in names),
            f"{pandas[0][2]:.2f} / {pandas[-1][2]:.2f}",
        ],
    ]
    return rows_out


def notes(args: argparse.Namespace) -> str:
    """What the table's numbers include."""
    lines = [
        f"scoring: every run reads the input Parquet, scores and writes Parquet; score_spark's runs include its "
        f"schema probe (a {PROBE_ROWS}-row job) and the shuffle that spreads a 1-file input over the cores. "
        f"Best of {args.rounds} after one warm-up per engine (the warm-up ships the model and loads it in the "
        f"Python workers); pandas: best of {2 * args.rounds}, half before and half after the engines, "
        "score_pandas defaults (10,000-row batches, 2 threads).",
        "CPU s: user + system of every process of the run (driver, JVMs, Python workers, the engines' daemons); "
        "pandas: this process. Load: the machine's 1-minute load average (2 cores, shared).",
        "peer: mlflow.pyfunc.spark_udf (env_manager local) on the same input spread the same way; its warm-up "
        "makes the UDF (downloads and ships the model).",
    ]
    if not args.no_pipeline:
        lines.append(
            f"pipeline: {', '.join(PIPELINE_STATES)}, {PIPELINE_DATES[0]}..{PIPELINE_DATES[1]}, "
            f"{PIPELINE_PARAMS.num_iterations} trees, batch scoring on Spark; cold, one run per engine."
        )
    return "\n" + "\n".join(textwrap.fill(line, 120, subsequent_indent="  ") for line in lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--train-rows", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3, help="timed runs per engine, after one warm-up")
    ap.add_argument("--no-pipeline", action="store_true", help="scoring only")
    ap.add_argument("--child", nargs=3, metavar=("NAME", "MASTER", "WORK"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        name, master, work = args.child
        result = engine_child(name, master, Path(work), args.rounds, not args.no_pipeline)
        (Path(work) / f"{name}.json").write_text(json.dumps(result))
        return
    work = Path(tempfile.mkdtemp(prefix="bench-engines-"))
    try:
        settings = bench_settings(work, "local[2]")
        configure_mlflow(settings)
        gold = synthetic_gold(args.rows)
        register(settings, gold.sample(args.train_rows, random_state=0))
        gold.to_parquet(work / "input.parquet", index=False)
        model = load_model(f"models:/{MODEL}@champion")
        with engines(work / "engines", mlflow=False, postgres=False) as running:
            assert running.spark is not None and running.connect is not None
            pandas = pandas_runs(model, work / "input.parquet", work / "pandas.parquet", args.rounds + 1)[1:]
            masters = {"local[2]": "local[2]", "cluster": running.spark.url, "connect": running.connect.url}
            results = {}
            for name, master in masters.items():
                started = time.perf_counter()
                results[name] = run_child(name, master, work, args)
                print(f"{name}: done in {time.perf_counter() - started:.0f} s", flush=True)
            pandas += pandas_runs(model, work / "input.parquet", work / "pandas.parquet", args.rounds)
        print_table(
            f"Spark engines, {os.cpu_count()} cores (cluster: master + 2 workers x 1 core, Connect on it); "
            f"scoring {args.rows:,} rows, 100 trees x 31 leaves: read Parquet + score + write Parquet",
            ["measure", *masters, "pandas (in-process)"],
            table_rows(results, pandas, args.rows, args.rounds),
        )
        print(notes(args))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
