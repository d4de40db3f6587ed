"""Great Expectations suites of the forecast's silver and gold datasets, declared as data."""

from __future__ import annotations

import datetime as dt

from smelter.expectations import expect_between, expect_in_set, expect_not_null, expect_schema, expect_unique
from tasks.demand_forecast.schema import GOLD_COLUMNS

GOLD_TYPES = {
    "date": "date",
    "state": "string",
    "year": "integer",
    "month": "integer",
    "day_of_year": "integer",
    "day_of_week": "integer",
    "week_of_year": "integer",
    "is_weekend": "integer",
    "is_holiday": "integer",
    "population": "integer",
    "units_sold": "integer",
    "store_count": "integer",
    "split": "string",
}


def known_states() -> list[str]:
    """The 50 states and DC, from the population figures the project carries."""
    from tasks.demand_forecast.sources import default_population

    return sorted(default_population()["State"])


def silver_sales(states: list[str], start: str, end: str) -> list:
    """Schema and types, no nulls, units in [0, 1e6], known states, dates in [start, end], unique keys
    (date, state, store): a key twice, in one file or two, names both rows."""
    return [
        *expect_schema(
            {
                "date": "date",
                "state": "string",
                "store": "string",
                "units_sold": "integer",
                "source_file": "string",
                "_source_row": "integer",
                "year": "integer",
                "month": "integer",
            }
        ),
        *expect_not_null("date", "state", "store", "units_sold"),
        *expect_between("units_sold", 0, 1_000_000),
        *expect_in_set("state", states),
        *expect_between("date", dt.date.fromisoformat(start), dt.date.fromisoformat(end)),
        *expect_unique("date", "state", "store"),
    ]


def silver_population(states: list[str]) -> list:
    """Schema and types, no nulls, population in [10k, 100M], years 1900-2100, known states, unique keys."""
    return [
        *expect_schema({"state": "string", "year": "integer", "population": "integer", "_source_row": "integer"}),
        *expect_not_null("state", "year", "population"),
        *expect_between("population", 10_000, 100_000_000),
        *expect_between("year", 1900, 2100),
        *expect_in_set("state", states),
        *expect_unique("state", "year"),
    ]


def gold_features(states: list[str]) -> list:
    """Columns in order with types, no nulls (a null population is an unmatched join), valid split."""
    return [
        *expect_schema(GOLD_TYPES, ordered=True),
        *expect_not_null(*GOLD_COLUMNS),
        *expect_in_set("split", ["train", "test"]),
        *expect_in_set("state", states),
        *expect_between("population", 10_000, 100_000_000),
        *expect_unique("date", "state"),
    ]
