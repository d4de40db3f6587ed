"""Benchmark: the default forecast pipeline, stage by stage, and its silver+gold in plain pandas.

Runs every stage of the default pipeline (all states, 2017-2022) in a temporary
lake and MLflow store and prints wall seconds, rows and peak memory per stage;
then, in the same run, the silver+gold transformation alone in Spark (warm
session) and in plain pandas (the peer), each writing its gold Parquet.

    python -m bench.bench_pipeline [--start 2017-01-01 --end 2022-12-31]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd

from bench import pandas_peer
from bench.measure import measure, print_table
from smelter.catalog import BRONZE_DAILY_SALES, BRONZE_STATE_POPULATION, GOLD_DEMAND_PREDICTIONS
from smelter.lake import Lake
from smelter.naming import DEMAND_FORECAST
from smelter.settings import load_settings
from smelter.spark import get_spark
from smelter.tracking import configure_mlflow
from tasks.common.score import published_summary, score_to_gold
from tasks.demand_forecast import features, refine
from tasks.demand_forecast.model import ForecasterParams
from tasks.demand_forecast.schema import KEYS
from tasks.demand_forecast.stages import (
    build_features_stage,
    generate_sources,
    ingest_population,
    ingest_sales,
    refine_population_stage,
    refine_sales_stage,
    register_forecaster_stage,
    train_forecaster_stage,
)


def pipeline_stages(
    settings,
    start: str,
    end: str,
    test_start: str,
    states: list[str] | None = None,
    params: ForecasterParams | None = None,
    score_engine: str = "pandas",
) -> list[list]:
    """Run the pipeline's stages in order (all states, default model, scoring in-process unless told);
    one table row per stage: name, wall seconds, rows, peak MiB."""
    rows = []

    def stage(name, fn, count):
        with measure() as m:
            out = fn()
        rows.append([name, m.seconds, count(out), m.peak_mib])
        return out

    paths = stage(
        "generate raw sources",
        lambda: generate_sources.fn(settings, start, end, states),
        lambda p: len(Path(p["daily_sales"]).read_text().splitlines()) - 1,
    )
    stage("spark session start", lambda: get_spark(settings.spark), lambda _: 0)
    stage("ingest sales -> bronze", lambda: ingest_sales.fn(settings, paths["daily_sales"]), lambda o: o.rows)
    stage(
        "ingest population -> bronze",
        lambda: ingest_population.fn(settings, paths["state_population"]),
        lambda o: o.rows,
    )
    stage(
        "refine population -> silver (+GX)", lambda: refine_population_stage.fn(settings, start, end), lambda o: o.rows
    )
    stage("refine sales -> silver (+GX)", lambda: refine_sales_stage.fn(settings, start, end), lambda o: o.rows)
    stage("build gold (+GX)", lambda: build_features_stage.fn(settings, test_start), lambda o: o.rows)
    trained = stage(
        "train + track",
        lambda: train_forecaster_stage.fn(settings, params or ForecasterParams()),
        lambda o: int(o.metrics["test_rows"]),
    )
    stage("register + champion rule", lambda: register_forecaster_stage.fn(settings, trained), lambda o: 0)
    stage(
        "batch score (in-process)" if score_engine == "pandas" else f"batch score ({score_engine})",
        lambda: published_summary(
            settings,
            score_to_gold(settings, DEMAND_FORECAST.model_uri(), GOLD_DEMAND_PREDICTIONS, KEYS, engine=score_engine),
        ),
        lambda o: o.rows,
    )
    return rows


def transform_peers(settings, test_start: str, out: Path) -> list[list]:
    """The silver+gold transformation alone (no quality gate), Spark warm vs pandas, each writing Parquet."""
    lake, spark = Lake.of(settings), get_spark(settings.spark)
    rows = []
    with measure() as m:
        gold = features.build_gold(
            refine.refine_sales(lake.read_spark(spark, BRONZE_DAILY_SALES)),
            refine.unpivot_population(lake.read_spark(spark, BRONZE_STATE_POPULATION)),
            test_start,
        )
        gold.write.mode("overwrite").parquet(str(out / "spark_gold"))
    rows.append(["Spark (warm session)", m.seconds, spark.read.parquet(str(out / "spark_gold")).count(), m.peak_mib])
    with measure() as m:
        sales = lake.read_pandas(BRONZE_DAILY_SALES)
        pop = lake.read_pandas(BRONZE_STATE_POPULATION)
        gold_pd = pandas_peer.build_gold(
            pandas_peer.refine_sales(sales), pandas_peer.unpivot_population(pop), test_start
        )
        gold_pd.to_parquet(out / "pandas_gold.parquet", index=False)
    rows.append(["pandas (peer)", m.seconds, len(gold_pd), m.peak_mib])
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--start", default="2017-01-01")
    ap.add_argument("--end", default="2022-12-31")
    ap.add_argument("--test-start", default="2022-01-01")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_root=Path(tmp) / "data", mlruns_root=Path(tmp) / "mlruns")
        configure_mlflow(settings)
        with measure() as total:
            rows = pipeline_stages(settings, args.start, args.end, args.test_start)
        rows.append(["total", total.seconds, "", total.peak_mib])
        print_table(
            f"Default forecast pipeline, {args.start}..{args.end}, Spark {settings.spark.master}",
            ["stage", "wall s", "rows", "peak MiB"],
            rows,
        )
        peers = transform_peers(settings, args.test_start, Path(tmp))
        print_table(
            "Silver + gold transformation only (read bronze, transform, write gold Parquet)",
            ["engine", "wall s", "rows", "peak MiB"],
            peers,
        )


if __name__ == "__main__":
    pd.set_option("display.width", 120)
    main()
