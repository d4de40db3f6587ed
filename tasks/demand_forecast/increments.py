"""What an incremental demand-forecast run recomputes: the (year, month) partitions the landing files
touch, the files that hold their rows (a bronze scan per year), the stores known before, and whether
gold can keep the months not recomputed. Plain functions over the lake; the stages read, call, publish.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from smelter.catalog import (
    BRONZE_DAILY_SALES,
    GOLD_DEMAND_FEATURES,
    SILVER_STATE_POPULATION,
    SILVER_STORES,
    DatasetNotFoundError,
)
from smelter.delta import Replace
from smelter.lake import Lake
from tasks.common import landing
from tasks.common.ingest import landing_log_path
from tasks.common.landing import FileRecord
from tasks.demand_forecast.refine import check_store_states, first_sightings, in_months, refine_sales, store_states

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

Months = list[tuple[int, int]]


def landing_months(lake: Lake, backfill: tuple[str, str] | None) -> tuple[dict[str, FileRecord], Months]:
    """The sales landing log and the months a run recomputes: those its pending files touch, or for a
    backfill over ``(start, end)`` every logged month in that range."""
    log = landing.read_log(landing_log_path(lake, BRONZE_DAILY_SALES))
    return log, landing.months_to_refresh(log, backfill)


def month_partitions(months: Months) -> list[dict[str, int]]:
    """``[(2022, 1)]`` -> ``[{"year": 2022, "month": 1}]``: the partitions of silver and gold sales."""
    return [{"year": y, "month": m} for y, m in months]


@dataclass(frozen=True)
class SalesIncrement:
    """The months refine recomputes, the landing files with rows in them, the bronze partitions holding
    those files grouped by year (a scan each: a silver file a month), and whether a file read also holds
    rows of other months (then the refined rows are kept to ``months``)."""

    months: Months
    files: list[str]
    groups: list[list[dict[str, str]]]
    spans_other_months: bool


def sales_increment(log: dict[str, FileRecord], months: Months) -> SalesIncrement:
    """The bronze partitions to read for ``months`` (see :class:`SalesIncrement`): those holding a file
    with rows in them; the rows are kept to ``months`` when any file of those partitions has others."""
    files = landing.files_covering(log, months)
    groups = landing.partitions_by_year(files)
    read = landing.files_in_partitions(log, [p for group in groups for p in group])
    return SalesIncrement(months, files, groups, not landing.within_months(log, read, months))


def refined_sales(bronze: DataFrame, inc: SalesIncrement) -> DataFrame:
    """Silver sales of ``inc``'s months from its bronze files (the month filter only where it is needed:
    it parses the date)."""
    silver = refine_sales(bronze)
    return in_months(silver, inc.months) if inc.spans_other_months else silver


def known_stores(lake: Lake) -> pd.DataFrame:
    """The stores published before (store, state); none when silver stores was never published."""
    try:
        return lake.read_pandas(SILVER_STORES)
    except DatasetNotFoundError:
        return pd.DataFrame({"store": pd.Series(dtype=str), "state": pd.Series(dtype=str)})


def checked_stores(written: DataFrame, known: pd.DataFrame) -> pd.DataFrame:
    """The ``known`` stores with those of the ``written`` silver sales added; a store under two states
    is a :class:`~tasks.demand_forecast.refine.StoreStateError` naming the file and row of each sighting."""
    return check_store_states(
        store_states(written).toPandas(), known, lambda clash: first_sightings(written, clash).toPandas()
    )


@dataclass(frozen=True)
class GoldIncrement:
    """What gold recomputes: ``months`` only, or every month (``full``: the population version or the
    test split differs from the ones gold was built with, or there is no gold yet)."""

    months: Months
    full: bool
    population_version: str
    test_start: str

    @property
    def nothing_to_do(self) -> bool:
        return not self.months and not self.full

    @property
    def sales_partitions(self) -> list[dict[str, int]] | None:
        """The silver partitions to read (``None``: all)."""
        return None if self.full else month_partitions(self.months)

    @property
    def replace(self) -> Replace:
        return "all" if self.full else month_partitions(self.months)

    @property
    def metadata(self) -> dict[str, str]:
        return {"population_version": self.population_version, "test_start": self.test_start}


def gold_increment(lake: Lake, months: Months, test_start: str) -> GoldIncrement:
    """Gold's :class:`GoldIncrement` for the ``months`` refine recomputed."""
    population_version = lake.current_version(SILVER_STATE_POPULATION)
    full = not gold_is_current(lake, population_version, test_start)
    return GoldIncrement(months, full, population_version, test_start)


def gold_is_current(lake: Lake, population_version: str, test_start: str) -> bool:
    """Gold exists and was built from this population version and test split: months not recomputed
    can be kept."""
    try:
        built = lake.manifest(GOLD_DEMAND_FEATURES)["metadata"]
    except DatasetNotFoundError:
        return False
    return built.get("population_version") == population_version and built.get("test_start") == test_start


def mark_landing_refined(lake: Lake, log: dict[str, FileRecord]) -> None:
    """Write the sales landing log with the files pending in ``log`` marked refined (reached gold)."""
    pending = [r.name for r in log.values() if not r.refined]
    landing.write_log(landing_log_path(lake, BRONZE_DAILY_SALES), landing.mark_refined(log, pending))
