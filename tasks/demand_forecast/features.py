"""Gold: daily sales per state (summed over stores), population joined on, calendar features and the time split, as Spark transforms.

Features use only the row's own date, state and that year's population (known in advance), never
later sales: no leakage from the future. The calendar comes from
:func:`tasks.demand_forecast.schema.calendar_features`, run per Arrow batch (``mapInPandas``): the
same function the registered model runs on a caller's dates. ``split`` is "test" from ``test_start``
on, else "train".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import pandas as pd

from tasks.demand_forecast.schema import CALENDAR, GOLD_COLUMNS, KEYS, STORE_COUNT, TARGET, calendar_features

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame


def per_state(sales: DataFrame) -> DataFrame:
    """Silver store rows -> one row per (date, state): units summed, ``store_count`` stores reporting."""
    from pyspark.sql import functions as F

    return sales.groupBy(*KEYS).agg(
        F.sum(TARGET).cast("int").alias(TARGET), F.count(F.lit(1)).cast("int").alias(STORE_COUNT)
    )


def join_population(sales: DataFrame, population: DataFrame) -> DataFrame:
    """Silver sales + silver population -> sales with that (state, year)'s population (left join)."""
    from pyspark.sql import functions as F

    pop = population.select("state", "year", "population")
    return sales.withColumn("year", F.year("date")).join(pop, on=["state", "year"], how="left")


def _with_calendar(batches: Iterable[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """Per Arrow batch: add the calendar columns other than ``year`` (which the join already has)."""
    for batch in batches:
        calendar = calendar_features(batch["date"])
        yield batch.assign(**{c: calendar[c].to_numpy() for c in CALENDAR if c != "year"})


def add_calendar_features(df: DataFrame) -> DataFrame:
    """Add month, day_of_year, day_of_week (0 = Monday), week_of_year, is_weekend, is_holiday (int)."""
    from pyspark.sql.types import IntegerType, StructField, StructType

    added = [StructField(c, IntegerType()) for c in CALENDAR if c != "year"]
    return df.mapInPandas(_with_calendar, StructType([*df.schema.fields, *added]))


def build_gold(sales: DataFrame, population: DataFrame, test_start: str) -> DataFrame:
    """Silver sales and population -> gold demand_features (GOLD_COLUMNS), ordered by date, state."""
    from pyspark.sql import functions as F

    joined = add_calendar_features(join_population(per_state(sales), population))
    split = F.when(F.col("date") >= F.lit(test_start).cast("date"), "test").otherwise("train")
    return joined.withColumn("split", split).select(*GOLD_COLUMNS).orderBy(*KEYS)
