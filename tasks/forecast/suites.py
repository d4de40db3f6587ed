"""Great Expectations suites of the forecast's silver and gold datasets, declared as data."""
from __future__ import annotations

from tasks.forecast.features import GOLD_COLUMNS


def _gx():
    import great_expectations as gx

    return gx.expectations


def known_states() -> list[str]:
    """The 50 states and DC, from the population figures the project carries."""
    from tasks.generate import default_population

    return sorted(default_population()["State"])


def silver_sales(states: list[str], start: str, end: str) -> list:
    """Schema, types, no nulls, units in [0, 1e6], known states, dates in range, unique (date, state)."""
    E = _gx()
    return [
        E.ExpectTableColumnsToMatchSet(column_set=["date", "state", "units_sold", "_source_row"], exact_match=True),
        *[E.ExpectColumnValuesToNotBeNull(column=c) for c in ("date", "state", "units_sold")],
        E.ExpectColumnValuesToBeBetween(column="units_sold", min_value=0, max_value=1_000_000),
        E.ExpectColumnValuesToBeInSet(column="state", value_set=states),
        E.ExpectColumnValuesToBeBetween(column="date", min_value=start, max_value=end),
        E.ExpectCompoundColumnsToBeUnique(column_list=["date", "state"]),
    ]


def silver_population(states: list[str]) -> list:
    """Schema, no nulls, population in [10k, 100M], years 1900-2100, known states, unique (state, year)."""
    E = _gx()
    return [
        E.ExpectTableColumnsToMatchSet(column_set=["state", "year", "population", "_source_row"], exact_match=True),
        *[E.ExpectColumnValuesToNotBeNull(column=c) for c in ("state", "year", "population")],
        E.ExpectColumnValuesToBeBetween(column="population", min_value=10_000, max_value=100_000_000),
        E.ExpectColumnValuesToBeBetween(column="year", min_value=1900, max_value=2100),
        E.ExpectColumnValuesToBeInSet(column="state", value_set=states),
        E.ExpectCompoundColumnsToBeUnique(column_list=["state", "year"]),
    ]


def gold_features(states: list[str]) -> list:
    """Columns in order, no nulls anywhere (a missing population means an unmatched join), valid split."""
    E = _gx()
    return [
        E.ExpectTableColumnsToMatchOrderedList(column_list=GOLD_COLUMNS),
        *[E.ExpectColumnValuesToNotBeNull(column=c) for c in GOLD_COLUMNS],
        E.ExpectColumnValuesToBeInSet(column="split", value_set=["train", "test"]),
        E.ExpectColumnValuesToBeInSet(column="state", value_set=states),
        E.ExpectColumnValuesToBeBetween(column="population", min_value=10_000, max_value=100_000_000),
        E.ExpectCompoundColumnsToBeUnique(column_list=["date", "state"]),
    ]
