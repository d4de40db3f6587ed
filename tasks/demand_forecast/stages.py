"""The demand forecast's Prefect tasks: thin shells that read, call a plain function, gate, publish.

Task names follow :mod:`smelter.naming`: ``demand-forecast.<step>``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypedDict

from prefect import task
from prefect.cache_policies import NO_CACHE, CachePolicy

from smelter import catalog, quality
from smelter.catalog import (
    BRONZE_DAILY_SALES,
    BRONZE_STATE_POPULATION,
    GOLD_DEMAND_FEATURES,
    SILVER_DAILY_SALES,
    SILVER_STATE_POPULATION,
    Dataset,
)
from smelter.hooks import retry_transient
from smelter.lake import Lake
from smelter.naming import DEMAND_FORECAST as P
from smelter.results import DatasetPublished, ModelRegistered, ModelTrained
from smelter.settings import Settings
from smelter.spark import get_lake_spark
from smelter.tracking import configure_mlflow
from tasks.common.ingest import current_run_id, ingest_csv
from tasks.demand_forecast import suites
from tasks.demand_forecast.features import build_gold
from tasks.demand_forecast.model import ForecasterParams
from tasks.demand_forecast.refine import (
    POPULATION_ID,
    SALES_RAW,
    check_population_covers,
    refine_sales,
    unpivot_population,
)
from tasks.demand_forecast.sources import write_raw_sources
from tasks.demand_forecast.train import register_forecaster, train_and_track


class RetryingTask(TypedDict):
    """``@task`` keyword arguments of a step that retries transient failures (never bad input)."""

    cache_policy: CachePolicy
    retries: int
    retry_delay_seconds: list[float]
    timeout_seconds: int
    retry_condition_fn: Callable[[Any, Any, Any], bool]


SPARK_TASK: RetryingTask = {
    "cache_policy": NO_CACHE,
    "retries": 2,
    "retry_delay_seconds": [5, 30],
    "timeout_seconds": 1800,
    "retry_condition_fn": retry_transient,
}
INGEST_TASK: RetryingTask = {
    "cache_policy": NO_CACHE,
    "retries": 2,
    "retry_delay_seconds": [1, 5],
    "timeout_seconds": 600,
    "retry_condition_fn": retry_transient,
}


def gate_and_publish(sdf, settings: Settings, ds: Dataset, source: str, **suite_args) -> DatasetPublished:
    """Validate a Spark frame with ``ds``'s suite (``ds.expectations(**suite_args)``); publish it only if
    every expectation holds.

    On local Spark a frame of at most ``lake.gate_pandas_max_rows`` rows is validated through pandas
    (laptop-size data: ~5x faster than ~25 Spark jobs); a larger one, or any on a cluster, in Spark:
    nothing big is collected to the driver. Cache ``sdf`` first.
    """
    local = settings.spark.master.startswith("local")
    report = quality.validate_spark(
        sdf,
        quality.build_suite(f"{ds.layer}.{ds.name}", ds.expectations(**suite_args)),
        ds.key,
        source,
        via_pandas=local and sdf.count() <= settings.lake.gate_pandas_max_rows,
    )
    quality.enforce(report)
    pub = Lake.of(settings).publish_spark(ds, sdf, {"source": source, "quality": report.to_dict()})
    return DatasetPublished.of(pub, quality=report.summary())


@task(name=P.task("generate-sources"), cache_policy=NO_CACHE)
def generate_sources(settings: Settings, start: str, end: str, states: list[str] | None) -> dict[str, str]:
    """Write the seeded default sources into the landing zone; returns their paths."""
    out = catalog.landing_dir(settings.data_root)
    paths = write_raw_sources(out, seed=settings.seed, start=start, end=end, states=states)
    return {name: str(path) for name, path in paths.items()}


@task(name=P.task("ingest-sales"), **INGEST_TASK)
def ingest_sales(settings: Settings, path: str) -> DatasetPublished:
    return ingest_csv(Path(path), Lake.of(settings), BRONZE_DAILY_SALES, SALES_RAW, current_run_id())


@task(name=P.task("ingest-population"), **INGEST_TASK)
def ingest_population(settings: Settings, path: str) -> DatasetPublished:
    return ingest_csv(Path(path), Lake.of(settings), BRONZE_STATE_POPULATION, [POPULATION_ID], current_run_id())


@task(name=P.task("refine-sales"), **SPARK_TASK)
def refine_sales_stage(settings: Settings, start: str, end: str) -> DatasetPublished:
    spark = get_lake_spark(settings)
    lake = Lake.of(settings)
    source = str(lake.data_path(BRONZE_DAILY_SALES))
    silver = refine_sales(lake.read_spark(spark, BRONZE_DAILY_SALES)).cache()
    try:
        return gate_and_publish(
            silver, settings, SILVER_DAILY_SALES, source, states=suites.known_states(), start=start, end=end
        )
    finally:
        silver.unpersist()


@task(name=P.task("refine-population"), **SPARK_TASK)
def refine_population_stage(settings: Settings, start: str, end: str) -> DatasetPublished:
    """bronze -> silver population; the wide file must have exactly State + year columns and cover
    every year from ``start`` to ``end`` (checked before anything is published)."""
    spark = get_lake_spark(settings)
    lake = Lake.of(settings)
    source_file = lake.manifest(BRONZE_STATE_POPULATION)["metadata"].get("source_file", "")
    source = str(lake.data_path(BRONZE_STATE_POPULATION))
    bronze = lake.read_spark(spark, BRONZE_STATE_POPULATION)
    check_population_covers(bronze.columns, start, end, source_file or source)
    silver = unpivot_population(bronze)
    return gate_and_publish(silver, settings, SILVER_STATE_POPULATION, source, states=suites.known_states())


@task(name=P.task("build-features"), **SPARK_TASK)
def build_features_stage(settings: Settings, test_start: str) -> DatasetPublished:
    spark = get_lake_spark(settings)
    lake = Lake.of(settings)
    sales = lake.read_spark(spark, SILVER_DAILY_SALES)
    population = lake.read_spark(spark, SILVER_STATE_POPULATION)
    gold = build_gold(sales, population, test_start).cache()
    source = f"{lake.data_path(SILVER_DAILY_SALES)} + {lake.data_path(SILVER_STATE_POPULATION)}"
    try:
        return gate_and_publish(gold, settings, GOLD_DEMAND_FEATURES, source, states=suites.known_states())
    finally:
        gold.unpersist()


@task(name=P.task("train-forecaster"), cache_policy=NO_CACHE, retries=1, retry_delay_seconds=5, timeout_seconds=1800)
def train_forecaster_stage(settings: Settings, params: ForecasterParams) -> ModelTrained:
    """Fit, evaluate and log one MLflow run (a retry makes a new run; nothing is registered here)."""
    configure_mlflow(settings)
    return train_and_track(settings, params)


@task(
    name=P.task("register-forecaster"),
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=[5, 30],
    retry_condition_fn=retry_transient,
)
def register_forecaster_stage(settings: Settings, trained: ModelTrained) -> ModelRegistered:
    """Register the run's model and apply the champion rule; a retry reuses the run's version."""
    configure_mlflow(settings)
    return register_forecaster(trained)
