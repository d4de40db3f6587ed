"""The demand forecast's Prefect tasks: thin shells that read, call a plain function, gate, publish.

Task names follow :mod:`smelter.naming`: ``demand-forecast.<step>``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypedDict

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE, CachePolicy

from smelter import catalog, quality
from smelter.catalog import (
    BRONZE_DAILY_SALES,
    BRONZE_STATE_POPULATION,
    GOLD_DEMAND_FEATURES,
    SILVER_DAILY_SALES,
    SILVER_STATE_POPULATION,
    SILVER_STORES,
    Dataset,
    DatasetNotFoundError,
)
from smelter.delta import Replace
from smelter.hooks import retry_transient
from smelter.lake import Lake
from smelter.naming import DEMAND_FORECAST as P
from smelter.results import DatasetPublished, ModelRegistered, ModelTrained
from smelter.settings import Settings
from smelter.spark import get_lake_spark, is_connect
from smelter.tracking import configure_mlflow
from tasks.common.ingest import current_run_id, ingest_csv, ingest_landing
from tasks.demand_forecast import suites
from tasks.demand_forecast.features import build_gold
from tasks.demand_forecast.increments import (
    checked_stores,
    gold_increment,
    known_stores,
    landing_months,
    mark_landing_refined,
    month_partitions,
    refined_sales,
    sales_increment,
)
from tasks.demand_forecast.model import ForecasterParams
from tasks.demand_forecast.refine import POPULATION_ID, SALES_RAW, STORE, check_population_covers, unpivot_population
from tasks.demand_forecast.sources import write_profile
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


def gate_and_publish(
    sdf,
    settings: Settings,
    ds: Dataset,
    source: str,
    replace: Replace = "all",
    metadata: dict | None = None,
    before_gate: Callable[[Any], None] | None = None,
    **suite_args,
) -> DatasetPublished:
    """Publish a Spark frame only if ``before_gate(frame)`` (when given) does not raise and every expectation
    of ``ds``'s suite (``ds.expectations(**suite_args)``) holds.

    Both run on what is about to be published: a Delta dataset's staged Parquet files, written once
    from ``sdf`` and committed only if they pass (no cache of ``sdf``, which is computed once; the write
    job itself counts the rows each row-wise expectation finds bad, so the gate reads the staged files
    only for its other checks and for example rows of a failure). On local
    Spark at most ``lake.gate_pandas_max_rows`` rows are validated through pandas (laptop-size data:
    ~5x faster than ~25 Spark jobs); more, or any on a cluster, on Spark-side aggregates (a few Spark
    jobs whatever the suite's length): nothing big is collected to the driver.
    """
    from smelter import quality_spark

    local = settings.spark.master.startswith("local")
    suite = quality.build_suite(f"{ds.layer}.{ds.name}", ds.expectations(**suite_args))
    reports: list[quality.QualityReport] = []
    observed = None
    if ds.storage == "delta" and not is_connect(sdf.sparkSession):  # the gate follows the write: its job counts
        from pyspark.sql import Observation

        observed = Observation(f"gate-{ds.key}")
        sdf = sdf.observe(observed, *quality_spark.totals(suite, sdf.columns))

    def gate(frame) -> dict:
        if before_gate is not None:
            before_gate(frame)
        totals = observed.get if observed is not None else None
        totals = totals if totals and "rows" in totals else None  # no metrics (no task ran): count
        rows = totals["rows"] if totals is not None else frame.count()
        via_pandas = local and rows <= settings.lake.gate_pandas_max_rows
        report = quality.validate_spark(
            frame, suite, ds.key, source, via_pandas=via_pandas, aggregates=not via_pandas, totals=totals
        )
        reports.append(quality.enforce(report))
        return {"quality": report.to_dict()}

    meta = {"source": source, **(metadata or {})}
    pub = Lake.of(settings).publish_spark(ds, sdf, meta, replace, check=gate)
    return DatasetPublished.of(pub, quality=reports[-1].summary())


@task(name=P.task("generate-sources"), cache_policy=NO_CACHE)
def generate_sources(
    settings: Settings, start: str, end: str, states: list[str] | None, profile: str = "small"
) -> dict[str, str]:
    """Write the seeded default sources into the landing zone; returns their paths (the sales of a
    store-level profile are a folder of daily files)."""
    out = catalog.landing_dir(settings.data_root)
    paths = write_profile(out, profile, seed=settings.seed, start=start, end=end, states=states)
    return {name: str(path) for name, path in paths.items()}


@task(name=P.task("ingest-sales"), **INGEST_TASK)
def ingest_sales(settings: Settings, path: str, replace_changed: bool = False) -> DatasetPublished:
    """Land the sales files bronze does not hold yet (a file or a folder of them)."""
    lake = Lake.of(settings)
    return ingest_landing(
        Path(path), lake, BRONZE_DAILY_SALES, SALES_RAW, [STORE], "Date", current_run_id(), replace_changed
    )


@task(name=P.task("ingest-population"), **INGEST_TASK)
def ingest_population(settings: Settings, path: str) -> DatasetPublished:
    return ingest_csv(Path(path), Lake.of(settings), BRONZE_STATE_POPULATION, [POPULATION_ID], current_run_id())


def _unchanged(lake: Lake, ds: Dataset, detail: str) -> DatasetPublished:
    return DatasetPublished(ds.key, lake.current_version(ds), None, new=False, detail=detail, path=str(lake.root))


@task(name=P.task("refine-sales"), **SPARK_TASK)
def refine_sales_stage(settings: Settings, start: str, end: str, backfill: bool = False) -> DatasetPublished:
    """bronze -> silver sales for the months the pending landing files touch (a backfill: every month from
    ``start`` to ``end``); those month partitions are replaced, the others kept. A store under two
    states fails before anything is published."""
    lake = Lake.of(settings)
    log, months = landing_months(lake, (start, end) if backfill else None)
    if not months:
        return _unchanged(lake, SILVER_DAILY_SALES, "no new sales")
    spark = get_lake_spark(settings)
    inc = sales_increment(log, months)
    silver = refined_sales(lake.read_spark(spark, BRONZE_DAILY_SALES, groups=inc.groups), inc)
    source = f"{lake.root / BRONZE_DAILY_SALES.key} ({len(inc.files)} file(s), {len(months)} month(s))"
    known = known_stores(lake)
    stores: list[pd.DataFrame] = []
    published = gate_and_publish(
        silver,
        settings,
        SILVER_DAILY_SALES,
        source,
        month_partitions(months),
        before_gate=lambda written: stores.append(checked_stores(written, known)),
        states=suites.known_states(),
        start=start,
        end=end,
    )
    if len(stores[0]) != len(known):
        lake.publish_pandas(SILVER_STORES, stores[0], {"source": SILVER_DAILY_SALES.key})
    return replace(published, detail=f"{len(months)} month(s) from {len(inc.files)} file(s)")


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
    bronze_version = lake.current_version(BRONZE_STATE_POPULATION)
    try:
        if lake.manifest(SILVER_STATE_POPULATION)["metadata"].get("bronze_version") == bronze_version:
            return _unchanged(lake, SILVER_STATE_POPULATION, "population unchanged")
    except DatasetNotFoundError:
        pass
    silver = unpivot_population(bronze)
    return gate_and_publish(
        silver,
        settings,
        SILVER_STATE_POPULATION,
        source,
        metadata={"bronze_version": bronze_version},
        states=suites.known_states(),
    )


@task(name=P.task("build-features"), **SPARK_TASK)
def build_features_stage(
    settings: Settings, test_start: str, start: str = "", end: str = "", backfill: bool = False
) -> DatasetPublished:
    """silver -> gold for the months refine recomputed (all of them when the population or the test split
    changed since gold was built); then the landing files that fed them are marked refined."""
    lake = Lake.of(settings)
    log, months = landing_months(lake, (start, end) if backfill else None)
    inc = gold_increment(lake, months, test_start)
    if inc.nothing_to_do:
        return _unchanged(lake, GOLD_DEMAND_FEATURES, "no new sales")
    spark = get_lake_spark(settings)
    sales = lake.read_spark(spark, SILVER_DAILY_SALES, partitions=inc.sales_partitions)
    gold = build_gold(sales, lake.read_spark(spark, SILVER_STATE_POPULATION), test_start)
    source = f"{lake.root / SILVER_DAILY_SALES.key} + {lake.data_path(SILVER_STATE_POPULATION)}"
    published = gate_and_publish(
        gold, settings, GOLD_DEMAND_FEATURES, source, inc.replace, inc.metadata, states=suites.known_states()
    )
    mark_landing_refined(lake, log)
    return replace(published, detail="all months" if inc.full else f"{len(months)} month(s)")


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
