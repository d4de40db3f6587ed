"""How long the quality gate takes on a forecast-sized silver frame (51 states x 6 years, ~112k rows).

    python -m bench.quality_gate [--rows-from 2017-01-01 --to 2022-12-31] [--no-spark]

Prints one table: GX start-up, pandas validation (good and bad data), Spark validation (cold and warm),
and Spark -> toPandas -> pandas validation, side by side.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import TypeVar

import pandas as pd

from smelter import expectations as checks
from smelter import quality
from tasks.demand_forecast.sources import default_population, generate_daily_sales


def silver_sales(start: str, end: str) -> pd.DataFrame:
    """The generator's raw sales, typed the way silver holds them: date, state, units_sold, _source_row."""
    raw = generate_daily_sales(default_population(), start, end, seed=42)
    return pd.DataFrame(
        {
            "date": pd.to_datetime(raw["Date"], format="%m/%d/%Y"),
            "state": raw["State"],
            "units_sold": raw["Units Sold"],
            "_source_row": range(2, len(raw) + 2),
        }
    )


def sales_suite(states: list[str], start: str, end: str):
    return quality.build_suite(
        "silver.daily_sales",
        [
            *checks.expect_schema(
                {"date": "date", "state": "string", "units_sold": "integer", "_source_row": "integer"}
            ),
            *checks.expect_not_null("date", "state", "units_sold"),
            *checks.expect_between("units_sold", 0, 1_000_000),
            *checks.expect_between("date", start, end),
            *checks.expect_in_set("state", states),
            *checks.expect_unique("date", "state"),
        ],
    )


T = TypeVar("T")


def timed(fn: Callable[[], T], repeat: int = 1) -> tuple[float, T]:
    """(median seconds over ``repeat`` calls of ``fn``, the last call's result)."""
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--start", default="2017-01-01")
    parser.add_argument("--end", default="2022-12-31")
    parser.add_argument("--no-spark", action="store_true")
    args = parser.parse_args()
    # (step, seconds) or (step, seconds, the validation's report)
    rows: list[tuple[str, float] | tuple[str, float, quality.QualityReport]] = [
        ("GX import + ephemeral context (once a process)", timed(quality._context)[0])
    ]  # first!
    good = silver_sales(args.start, args.end)
    bad = good.assign(units_sold=good["units_sold"].where(good.index % 1000 != 0, -1))
    suite = sales_suite(sorted(good["state"].unique()), args.start, args.end)
    n, k = len(good), len(suite.expectations)
    pandas_gate = partial(quality.validate_pandas, suite=suite, dataset_name="silver/daily_sales", source="bench")
    rows.append(("pandas, first validation (data source set-up)", *timed(partial(pandas_gate, good))))
    rows.append(("pandas, good data (median of 3)", *timed(partial(pandas_gate, good), 3)))
    rows.append(("pandas, 0.1% bad rows (median of 3)", *timed(partial(pandas_gate, bad), 3)))
    if not args.no_spark:
        from smelter.settings import SparkSettings
        from smelter.spark import get_spark

        seconds, spark = timed(lambda: get_spark(SparkSettings(master="local[1]", shuffle_partitions=1)))
        rows.append(("Spark session start (local[1])", seconds))
        sdf = spark.createDataFrame(good.assign(date=good["date"].dt.date)).cache()
        rows.append(("Spark frame: create + cache + count", timed(sdf.count)[0]))
        spark_gate = partial(quality.validate_spark, sdf, suite, "silver/daily_sales", "bench")
        rows.append(("spark, good data, first validation", *timed(spark_gate)))
        rows.append(("spark, good data, warm (median of 2)", *timed(spark_gate, 2)))
        rows.append(("spark, via_pandas=True (toPandas + pandas)", *timed(partial(spark_gate, via_pandas=True))))
    print(f"quality gate on {n} rows x {k} expectations\n")
    print(f"| {'step':<50} | seconds | expectations passed |\n|{'-' * 52}|---------|---------------------|")
    for name, seconds, *report in rows:
        passed = f"{len(report[0].results) - len(report[0].failures)}/{len(report[0].results)}" if report else ""
        print(f"| {name:<50} | {seconds:7.2f} | {passed:<19} |")


if __name__ == "__main__":
    main()
