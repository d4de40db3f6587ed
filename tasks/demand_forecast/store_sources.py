"""Store-level point-of-sale exports: every state's stores (allocated by population, each a seeded
share of its state's expected demand) and their daily sales, written a month at a time as one CSV a day
(or a month) under ``daily_sales/``. Same arguments -> byte-identical files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from tasks.demand_forecast.demand_model import (
    DISPERSION,
    STATE_CODES_FILE,
    _package_csv,
    checked_population,
    default_population,
    expected_demand,
)

STORE_SALES_FOLDER = "daily_sales"
STORE_SIZE_CONCENTRATION = 2.0  # Dirichlet alpha of a state's store shares: sizes spread about +-70% of the mean
STORE_SALES_SCHEMA = pa.schema(
    [("Date", pa.string()), ("State", pa.string()), ("Store", pa.string()), ("Units Sold", pa.int64())]
)
_CSV = pacsv.WriteOptions(quoting_style="none", quoting_header="none")  # names hold no comma, quote or newline


def allocate_stores(population: np.ndarray, total: int) -> np.ndarray:
    """Store count per state, summing to `total`: one each, the rest by population (largest remainder)."""
    if total < len(population):
        raise ValueError(f"{total} stores cannot give each of {len(population)} states one")
    quota = (total - len(population)) * population / population.sum()
    counts = np.floor(quota).astype(np.int64)
    counts[np.argsort(counts - quota, kind="stable")[: total - len(population) - counts.sum()]] += 1
    return counts + 1


def store_table(population_wide: pd.DataFrame, stores_per_state: int, seed: int) -> pd.DataFrame:
    """Every state's stores, sorted by state then store: `State`, `Store` (`TX-00017`: unique across states),
    `share` (of the state's expected demand; Dirichlet, sums to 1 per state). States x `stores_per_state` stores
    in all, at least one a state, allocated by mean population."""
    population_wide = checked_population(population_wide)
    years = [c for c in population_wide.columns if c != "State"]
    mean_population = population_wide[years].mean(axis=1).to_numpy(float)
    counts = allocate_stores(mean_population, len(population_wide) * stores_per_state)
    codes = _package_csv(STATE_CODES_FILE).set_index("State")["code"].reindex(population_wide["State"])
    if codes.isna().any():
        raise ValueError(f"states without a code in {STATE_CODES_FILE}: {sorted(codes.index[codes.isna()])}")
    rng = np.random.default_rng(seed)
    number = pd.Series(np.concatenate([np.arange(1, n + 1) for n in counts])).astype(str).str.zfill(5)
    return pd.DataFrame(
        {
            "State": np.repeat(population_wide["State"].to_numpy(), counts),
            "Store": np.repeat(codes.to_numpy(), counts) + "-" + number.to_numpy(),
            "share": np.concatenate([rng.dirichlet(np.full(n, STORE_SIZE_CONCENTRATION)) for n in counts]),
        }
    )


def store_sales_rows(
    population_wide: pd.DataFrame,
    stores_per_state: int,
    start: str = "2017-01-01",
    end: str = "2022-12-31",
    states: list[str] | None = None,
) -> int:
    """Rows :func:`write_store_sales` writes for these arguments (stores of `states` x days), computed, not generated."""
    stores = store_table(population_wide, stores_per_state, seed=0)
    kept = len(stores) if states is None else int(stores["State"].isin(states).sum())
    return kept * len(pd.date_range(start, end, freq="D"))


def expected_store_demand(population_wide: pd.DataFrame, stores: pd.DataFrame, dates: pd.DatetimeIndex) -> np.ndarray:
    """(stores x days) expected units: the store's state's :func:`expected_demand` x the store's `share`."""
    population_wide = checked_population(population_wide)
    index = pd.Index(population_wide["State"]).get_indexer(stores["State"])
    if (index < 0).any():
        raise ValueError(f"stores of states not in the population: {sorted(set(stores['State'][index < 0]))}")
    return expected_demand(population_wide, dates)[index] * stores["share"].to_numpy(float)[:, None]


def _months(start: str | pd.Timestamp, end: str | pd.Timestamp) -> list[pd.DatetimeIndex]:
    """The days from `start` to `end`, one index per calendar month."""
    dates = pd.date_range(start, end, freq="D")
    months = dates.year * 12 + dates.month
    return [dates[months == m] for m in months.unique()]


def iter_store_sales(
    population_wide: pd.DataFrame,
    stores: pd.DataFrame,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    *,
    seed: int,
    states: list[str] | None = None,
) -> Iterator[tuple[pd.Timestamp, pa.Table]]:
    """(day, Arrow table with `STORE_SALES_SCHEMA`) for each day, rows in `stores`' order.

    A day's noise comes from ``default_rng([seed, day ordinal])`` over every store of `stores` (pass the whole
    :func:`store_table`), so a day's rows depend neither on the other days generated nor on `states`.
    """
    checked_population(population_wide, states)
    keep = np.ones(len(stores), bool) if states is None else stores["State"].isin(states).to_numpy()
    place = [pa.array(stores[c].to_numpy()[keep], pa.string()) for c in ("State", "Store")]
    for month in _months(start, end):
        expected = np.ascontiguousarray(expected_store_demand(population_wide, stores, month).T)
        for day, mean in zip(month, expected, strict=True):
            rng = np.random.default_rng([seed, day.toordinal()])
            units = rng.poisson(mean * rng.gamma(DISPERSION, 1.0 / DISPERSION, size=len(mean)))[keep]
            date = pa.repeat(pa.scalar(day.strftime("%m/%d/%Y")), len(units))
            yield day, pa.Table.from_arrays([date, *place, pa.array(units, pa.int64())], schema=STORE_SALES_SCHEMA)


@contextmanager
def _replaced_when_done(path: Path) -> Iterator[Path]:
    """A hidden `.part` file next to `path` to write, renamed to `path` once written (removed on error)."""
    part = path.with_name(f".{path.name}.part")
    try:
        yield part
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, path)


def _write_month(
    folder: Path,
    population_wide: pd.DataFrame,
    stores: pd.DataFrame,
    days: pd.DatetimeIndex,
    *,
    seed: int,
    states: list[str] | None,
    per: str,
) -> list[Path]:
    """Write `days` (within one month) as one file per day or one for the month; the paths written."""
    tables = iter_store_sales(population_wide, stores, days[0], days[-1], seed=seed, states=states)
    if per == "month":
        path = folder / f"daily_sales_{days[0]:%Y-%m}.csv"
        with _replaced_when_done(path) as part, pacsv.CSVWriter(part, STORE_SALES_SCHEMA, write_options=_CSV) as out:
            for _, table in tables:
                out.write_table(table)
        return [path]
    paths = []
    for day, table in tables:
        paths.append(folder / f"daily_sales_{day:%Y-%m-%d}.csv")
        with _replaced_when_done(paths[-1]) as part:
            pacsv.write_csv(table, part, _CSV)
    return paths


def write_store_sales(
    landing_dir: Path,
    *,
    seed: int,
    start: str = "2017-01-01",
    end: str = "2022-12-31",
    states: list[str] | None = None,
    stores_per_state: int,
    per: str = "day",
) -> list[Path]:
    """Write store-level sales as `<landing_dir>/daily_sales/daily_sales_YYYY-MM-DD.csv` (`per="day"`) or
    `daily_sales_YYYY-MM.csv` (`per="month"`, the month's days within `start`..`end`), a month at a time
    (memory: one month's store x day means); the paths in date order. Same arguments -> byte-identical files."""
    if per not in ("day", "month"):
        raise ValueError(f"per must be 'day' or 'month', not {per!r}")
    population_wide = checked_population(default_population(), states)
    stores = store_table(population_wide, stores_per_state, seed)
    folder = Path(landing_dir) / STORE_SALES_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return [
        path
        for month in _months(start, end)
        for path in _write_month(folder, population_wide, stores, month, seed=seed, states=states, per=per)
    ]
