"""Batch scoring throughput: bare ``lightgbm.Booster.predict`` vs Smelter's scoring paths, on the same rows.

    python -m bench.bench_scoring [--rows 1000000] [--rounds 3] [--no-spark]

Trains the forecaster pipeline (category cast + LightGBM, 100 trees x 31 leaves) on synthetic
gold-shaped rows, logs and registers it in a temporary MLflow store, then scores ``--rows`` rows:
bare ``Booster.predict`` (state already categorical, no pyfunc), the pyfunc on the whole frame in
one call, ``score_pandas`` (default mini-batch) at max_concurrency 1 and 2, and ``score_spark`` on
``local[*]``. In-process rows are timed in interleaved rounds (best of ``--rounds``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from smelter.registry import register_and_promote
from smelter.scoring import load_model, score_pandas
from smelter.settings import SparkSettings, load_settings
from smelter.tracking import configure_mlflow, experiment_id
from tasks.demand_forecast.model import DemandModel, ForecasterParams, fit_forecaster, population_table
from tasks.demand_forecast.schema import FEATURES, TARGET
from tasks.demand_forecast.train import log_model, short_form

KEYS = ["date", "state"]
MODEL = "bench-demand"


def synthetic_gold(rows: int, seed: int = 42) -> pd.DataFrame:
    """``rows`` gold demand_features-shaped rows (51 states x consecutive days), plain string states."""
    rng = np.random.default_rng(seed)
    states = [f"State{i:02d}" for i in range(51)]
    days = pd.date_range("2000-01-01", periods=-(-rows // len(states)), freq="D")
    d = pd.DatetimeIndex(np.repeat(days.values, len(states))[:rows])
    state = np.tile(states, len(days))[:rows]
    pop = dict(zip(states, rng.integers(500_000, 40_000_000, len(states)), strict=False))
    df = pd.DataFrame(
        {
            "date": d.date,
            "state": state,
            "year": d.year,
            "month": d.month,
            "day_of_year": d.dayofyear,
            "day_of_week": d.dayofweek,
            "week_of_year": d.isocalendar().week.to_numpy().astype("int32"),
            "is_weekend": (d.dayofweek >= 5).astype("int32"),
            "is_holiday": np.int32(0),
        }
    )
    df["population"] = df["state"].map(pop).astype("int64")
    season = 1 + 0.5 * np.sin(2 * np.pi * df["day_of_year"] / 365.25)
    df[TARGET] = rng.poisson(df["population"] / 20_000 * season * (1 + 0.2 * df["is_weekend"]))
    return df


def register(settings, train: pd.DataFrame):
    """Fit the forecaster (100 trees, 31 leaves), log it in its registered form, register @champion."""
    import mlflow

    model = fit_forecaster(train, ForecasterParams(num_leaves=31, num_iterations=100))
    with mlflow.start_run(experiment_id=experiment_id(settings, "bench-scoring")) as run:
        info = log_model(DemandModel(model, population_table(train)), short_form(train.head(3)))
        mlflow.log_metric("rmse", 1.0)
        register_and_promote(info.model_uri, MODEL, "rmse", 1.0, False, run.info.run_id)
    return model


def timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process over all its threads) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def spark_seconds(
    settings, model, path: Path, runs: int = 2, out: Path | None = None, cpu: Callable[[], float] = time.process_time
) -> list[tuple[float, float]]:
    """(wall s, CPU s as counted by ``cpu``) of score_spark over the Parquet file, per run (first is cold):
    read, score and write into ``out/run-<i>`` as Parquet, or into a no-op sink without ``out``."""
    from smelter.scoring_spark import score_spark
    from smelter.spark import get_spark

    spark = get_spark(settings.spark)
    times = []
    for run in range(runs):
        started, used = time.perf_counter(), cpu()
        scored = score_spark(spark, model, spark.read.parquet(str(path)), KEYS).write.mode("overwrite")
        if out is None:
            scored.format("noop").save()
        else:
            scored.parquet(str(out / f"run-{run}"))
        times.append((time.perf_counter() - started, cpu() - used))
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--train-rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mini-batch-size", type=int, default=10_000)
    parser.add_argument("--no-spark", action="store_true")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-scoring-"))
    settings = load_settings(
        data_root=tmp / "data", mlruns_root=tmp / "mlruns", spark=SparkSettings(master="local[*]", driver_memory="2g")
    )
    configure_mlflow(settings)
    gold = synthetic_gold(args.rows)
    fitted = register(settings, gold.sample(args.train_rows, random_state=0))
    model = load_model(f"models:/{MODEL}@champion")
    booster = fitted.named_steps["lgbm"].booster_
    categorical = fitted.named_steps["categories"].transform(gold[FEATURES])  # what LightGBM itself sees
    n = len(gold)

    candidates = {
        "bare Booster.predict (state categorical)": lambda: booster.predict(categorical),
        "pyfunc.predict, whole frame in one call": lambda: model.pyfunc.predict(gold[FEATURES]),
        f"score_pandas, batch {args.mini_batch_size}, concurrency 1": lambda: score_pandas(
            model, gold, KEYS, args.mini_batch_size, 1
        ),
        f"score_pandas, batch {args.mini_batch_size}, concurrency 2": lambda: score_pandas(
            model, gold, KEYS, args.mini_batch_size, 2
        ),
    }
    np.testing.assert_allclose(
        score_pandas(model, gold.head(50_000), KEYS)["prediction"], booster.predict(categorical.head(50_000))
    )
    best = {name: (float("inf"), float("inf")) for name in candidates}
    for _ in range(args.rounds):  # interleaved, so load from other processes hits every path alike
        for name, fn in candidates.items():
            wall, cpu = timed(fn)
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    rows: list[tuple[str, tuple[float, float | None]]] = list(best.items())
    if not args.no_spark:
        path = tmp / "input.parquet"
        gold.to_parquet(path, index=False)
        cold, *warm = [wall for wall, _ in spark_seconds(settings, model, path)]
        rows += [
            ("score_spark, local[*], cold (first run)", (cold, None)),
            ("score_spark, local[*], warm", (min(warm), None)),
        ]

    bare = best["bare Booster.predict (state categorical)"][0]
    print(f"\nBatch scoring, {n:,} rows, 100 trees x 31 leaves, best of {args.rounds} interleaved rounds\n")
    print(f"{'path':<48} {'wall s':>7} {'CPU s':>6} {'rows/s':>10} {'vs bare':>8}")
    for name, (secs, row_cpu) in rows:
        cpu_text = f"{row_cpu:6.2f}" if row_cpu is not None else "     -"
        print(f"{name:<48} {secs:>7.2f} {cpu_text} {n / secs:>10,.0f} {bare / secs:>7.0%}")
    print("\nCPU s: this process's CPU time over all threads (Spark's runs in its JVM and Python workers).")


if __name__ == "__main__":
    main()
