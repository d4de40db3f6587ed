"""Gold: population joined onto daily sales, calendar features and the time split.

Features use only the row's own date, state and that year's population (known in
advance), never later sales: no leakage from the future. ``split`` is "test" from
``test_start`` on, else "train".
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import Column, DataFrame

FEATURES = ["state", "year", "month", "day_of_year", "day_of_week", "week_of_year",
            "is_weekend", "is_holiday", "population"]
CATEGORICAL = ["state"]
TARGET = "units_sold"
KEYS = ["date", "state"]
GOLD_COLUMNS = ["date", *FEATURES, TARGET, "split"]


def is_us_holiday(date: "Column") -> "Column":
    """July 4, Memorial Day (last Monday of May), Labor Day (first Monday of September)."""
    from pyspark.sql import functions as F

    month, day, monday = F.month(date), F.dayofmonth(date), F.dayofweek(date) == 2
    return (((month == 7) & (day == 4))
            | ((month == 5) & monday & (day >= 25))
            | ((month == 9) & monday & (day <= 7)))


def join_population(sales: "DataFrame", population: "DataFrame") -> "DataFrame":
    """Silver sales + silver population -> sales with that (state, year)'s population (left join)."""
    from pyspark.sql import functions as F

    pop = population.select("state", "year", "population")
    return sales.withColumn("year", F.year("date")).join(pop, on=["state", "year"], how="left")


def add_calendar_features(df: "DataFrame") -> "DataFrame":
    """Add month, day_of_year, day_of_week (0 = Monday), week_of_year, is_weekend, is_holiday."""
    from pyspark.sql import functions as F

    d = F.col("date")
    dow = (F.dayofweek(d) + 5) % 7  # Spark: 1 = Sunday; here 0 = Monday .. 6 = Sunday
    return df.select(
        "*",
        F.month(d).alias("month"),
        F.dayofyear(d).alias("day_of_year"),
        dow.alias("day_of_week"),
        F.weekofyear(d).alias("week_of_year"),
        (dow >= 5).cast("int").alias("is_weekend"),
        is_us_holiday(d).cast("int").alias("is_holiday"),
    )


def build_gold(sales: "DataFrame", population: "DataFrame", test_start: str) -> "DataFrame":
    """Silver sales and population -> gold demand_features (GOLD_COLUMNS), ordered by date, state."""
    from pyspark.sql import functions as F

    joined = add_calendar_features(join_population(sales, population))
    split = F.when(F.col("date") >= F.lit(test_start).cast("date"), "test").otherwise("train")
    return joined.withColumn("split", split).select(*GOLD_COLUMNS).orderBy(*KEYS)
