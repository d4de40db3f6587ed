"""Silver: typed, renamed sales and unpivoted population, as Spark transforms.

``refine_sales``: bronze (Date, State, [Store,] Units Sold as text) -> date (date, parsed
from MM/DD/YYYY), state (trimmed), store (trimmed; ``STATE_TOTAL`` for a state-level file without
stores), units_sold (int), source_file, _source_row, and the partition columns year and month.
``unpivot_population``: bronze wide (State, 2017, ..., 2022) -> state, year (int),
population (long). Values that do not parse become null, so the quality gate
names them with their source row instead of Spark failing on the first one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable

    import pandas as pd
    from pyspark.sql import DataFrame

SALES_RAW = ["Date", "State", "Units Sold"]
STORE = "Store"  # optional: point-of-sale exports have it, state-level files do not
STATE_TOTAL = "*"  # the store of a state-level row: the whole state as one outlet
SILVER_SALES = ["date", "state", "store", "units_sold", "source_file", "_source_row", "year", "month"]
POPULATION_ID = "State"
DATE_FORMAT = "M/d/yyyy"  # US format; accepts 07/04/2021 and 7/4/2021
YEAR_COLUMN = re.compile(r"^\d{4}$")


def refine_sales(bronze: DataFrame) -> DataFrame:
    """Bronze sales (text) -> silver columns ``SILVER_SALES`` (one row per date, state and store)."""
    from pyspark.sql import functions as F

    columns = set(bronze.columns)
    units = F.regexp_replace(F.trim(F.col("`Units Sold`")), ",", "")
    date = F.try_to_timestamp(F.trim(F.col("Date")), F.lit(DATE_FORMAT)).cast("date")
    store = F.coalesce(F.trim(F.col(STORE)), F.lit(STATE_TOTAL)) if STORE in columns else F.lit(STATE_TOTAL)
    source = next((F.col(c) for c in ("source_file", "_source_file") if c in columns), F.lit(None).cast("string"))
    typed = bronze.select(
        date.alias("date"),
        F.trim(F.col("State")).alias("state"),
        store.alias("store"),
        units.try_cast("int").alias("units_sold"),
        source.alias("source_file"),
        F.col("_source_row").cast("int").alias("_source_row"),
    )
    # year and month from the parsed column, in a projection of their own: Spark does not merge two
    # projections when that would repeat an expensive expression, so each date is parsed once, not three times
    return typed.select("*", F.year("date").alias("year"), F.month("date").alias("month"))


def year_columns(columns: list[str], source: str = "population source") -> list[str]:
    """The wide population file's year columns (four digits), in order.

    Its data columns must be exactly ``State`` and years: any other column (a renamed year such as
    ``2017_renamed``, a stray note) or no year at all is a ``ValueError`` naming ``source`` and the column.
    Bronze's own ``_``-prefixed metadata columns are allowed.
    """
    data = [c for c in columns if not c.startswith("_")]
    years = [c for c in data if YEAR_COLUMN.match(c.strip())]
    other = [c for c in data if c != POPULATION_ID and c not in years]
    if other or not years:
        problem = f"unexpected column(s) {other}" if other else "no year columns"
        raise ValueError(
            f"{source}: a population file has exactly the columns '{POPULATION_ID}' and years "
            f"like '2017'; {problem}; it has {data}"
        )
    return years


def check_population_covers(columns: list[str], start: str, end: str, source: str = "population source") -> None:
    """The population years must cover every year of the sales period ``start``..``end`` (ISO dates);
    a missing year (a renamed or dropped column) is a ``ValueError`` naming ``source`` and the years."""
    have = {int(c.strip()) for c in year_columns(columns, source)}
    need = set(range(int(start[:4]), int(end[:4]) + 1))
    if missing := sorted(need - have):
        raise ValueError(
            f"{source}: no population column for year(s) {missing}, which the sales from "
            f"{start} to {end} need; it has years {sorted(have)}"
        )


def unpivot_population(bronze: DataFrame) -> DataFrame:
    """Bronze wide population -> state, year, population, _source_row (one row per state-year)."""
    from pyspark.sql import functions as F

    years = year_columns(bronze.columns)
    long = bronze.unpivot(
        ids=[POPULATION_ID, "_source_row"],
        values=tuple(years),
        variableColumnName="year",
        valueColumnName="population_text",
    )
    return long.select(
        F.trim(F.col(POPULATION_ID)).alias("state"),
        F.trim(F.col("year")).cast("int").alias("year"),
        F.regexp_replace(F.trim(F.col("population_text")), ",", "").try_cast("long").alias("population"),
        F.col("_source_row").cast("int").alias("_source_row"),
    )


class StoreStateError(ValueError):
    """A store appears under two states (in one run's files, or against the stores seen before)."""


def store_states(silver: DataFrame) -> DataFrame:
    """Distinct (store, state) pairs of silver sales (state-level rows left out): small enough to collect
    (one row per store). Where each was seen is looked up only for a clash (:func:`first_sightings`)."""
    from pyspark.sql import functions as F

    return (
        silver.where((F.col("store") != STATE_TOTAL) & F.col("state").isNotNull()).select("store", "state").distinct()
    )


def first_sightings(silver: DataFrame, stores: list[str]) -> DataFrame:
    """For ``stores``: each (store, state) pair with the first source file and row it is on."""
    from pyspark.sql import functions as F

    first = F.min(F.struct("source_file", "_source_row"))
    pairs = silver.where(F.col("store").isin(stores) & F.col("state").isNotNull()).groupBy("store", "state")
    return pairs.agg(first.alias("first")).select(
        "store",
        "state",
        F.col("first.source_file").alias("source_file"),
        F.col("first._source_row").alias("_source_row"),
    )


def check_store_states(
    pairs: pd.DataFrame, known: pd.DataFrame, locate: Callable[[list[str]], pd.DataFrame] | None = None
) -> pd.DataFrame:
    """``pairs`` (store, state; with source_file and _source_row where known) against the stores ``known``
    before (store, state): a store under two states is a :class:`StoreStateError` naming the store, both
    states and the file and row of each sighting in this run (``locate(stores)`` finds them when ``pairs``
    does not carry them: :func:`first_sightings`). Returns the known stores with the new ones added."""
    import pandas as pd

    seen = pd.concat([known.assign(source_file=None, _source_row=None), pairs], ignore_index=True)
    seen = seen.drop_duplicates(["store", "state"], keep="first")
    clash = seen[seen.duplicated("store", keep=False)].sort_values(["store", "state"])
    if len(clash) and locate is not None:
        where = locate(sorted(clash["store"].unique())).set_index(["store", "state"])
        found = clash.set_index(["store", "state"])
        for column in ("source_file", "_source_row"):
            found[column] = where[column].reindex(found.index).astype(object).where(found[column].isna(), found[column])
        clash = found.reset_index()
    if len(clash):
        lines = [
            f"store {store!r}: "
            + "; ".join(
                f"state {r['state']!r} ("
                + (
                    f"file {r['source_file']}, column 'State', row {r['_source_row']}"
                    if isinstance(r["source_file"], str)
                    else "seen before"
                )
                + ")"
                for r in group.to_dict("records")
            )
            for store, group in clash.groupby("store", sort=True)
        ]
        raise StoreStateError(
            f"{clash['store'].nunique()} store(s) under two states (a store belongs to one state):\n  "
            + "\n  ".join(lines[:20])
        )
    return seen[["store", "state"]].sort_values("store", ignore_index=True)


def in_months(silver: DataFrame, months: list[tuple[int, int]]) -> DataFrame:
    """The rows of ``months`` (partitions being recomputed), and rows whose date did not parse (the gate
    reports them with their file and row; dropping them would hide bad input).

    The test names ``date`` once: Spark pushes a filter below the projection that parses the date and
    repeats the parse for each mention (a test per month over year and month parsed each date ~150 times)."""
    import datetime as dt

    from pyspark.sql import functions as F

    firsts = [dt.date(year, month, 1) for year, month in months]
    return silver.where(F.coalesce(F.trunc(F.col("date"), "month").isin(firsts), F.lit(True)))
