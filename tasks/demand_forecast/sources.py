"""Seeded generator of the forecast pipeline's raw sources, in the shape a user would bring them.

- daily ice-cream sales per state: CSV with `Date` (text, MM/DD/YYYY), `State` (name), `Units Sold` (int >= 0)
- or per store: point-of-sale exports `Date`, `State`, `Store` (e.g. `TX-00017`), `Units Sold`, one CSV per day
  (or month) under `daily_sales/`; each store takes a fixed, seeded share of its state's expected demand
- state population: USAFacts' wide shape, one row per state, one column per year (`State,2017,...,2022`)

Expected units = per-capita rate x that year's population x climate seasonality x weekday x holiday x trend;
observed units add gamma-Poisson (negative binomial) noise. Same arguments -> byte-identical files.
"""

from __future__ import annotations

import argparse
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from tasks.demand_forecast.schema import holiday_names

POPULATION_FILE = "state_population_2017_2022.csv"
CLIMATE_FILE = "state_climate.csv"
STATE_CODES_FILE = "state_codes.csv"
SALES_COLUMNS = ["Date", "State", "Units Sold"]
STORE_SALES_FOLDER = "daily_sales"

UNITS_PER_PERSON_DAY = 5e-5  # ~2,000 units a day for California in July
TEMP_SENSITIVITY = 0.03  # demand grows exp(0.03 per degree F) around 65 F
PEAK_DAY_OF_YEAR = 200  # temperatures peak around July 19
WEEKDAY_FACTOR = np.array([0.90, 0.87, 0.90, 0.96, 1.08, 1.30, 1.22])  # Monday .. Sunday
HOLIDAY_FACTOR = {"july_4": 1.8, "memorial_day": 1.5, "labor_day": 1.4}
TREND_PER_YEAR = 0.03
DISPERSION = 25.0  # gamma shape: variance = mean + mean^2 / DISPERSION
STORE_SIZE_CONCENTRATION = 2.0  # Dirichlet alpha of a state's store shares: sizes spread about +-70% of the mean
# Stores per state of each profile (None: the state-level single file); rows = 51 x stores x 2,191 days (2017-2022)
PROFILES: dict[str, int | None] = {"small": None, "medium": 89, "large": 895}  # 0.11M, 9.9M, 100.0M rows
STORE_SALES_SCHEMA = pa.schema(
    [("Date", pa.string()), ("State", pa.string()), ("Store", pa.string()), ("Units Sold", pa.int64())]
)
_CSV = pacsv.WriteOptions(quoting_style="none", quoting_header="none")  # names hold no comma, quote or newline


def _package_csv(name: str) -> pd.DataFrame:
    with resources.as_file(resources.files("smelter") / "data" / name) as path:
        return pd.read_csv(path)


def default_population() -> pd.DataFrame:
    """Population the project carries: 51 rows, columns `State`, `2017` .. `2022` (persons, int)."""
    return _package_csv(POPULATION_FILE)


def holiday_factor(dates: pd.DatetimeIndex) -> np.ndarray:
    """Demand multiplier per date: ``HOLIDAY_FACTOR`` on the holidays of :func:`schema.holiday_names`, else 1."""
    names = holiday_names(dates)
    return np.array([HOLIDAY_FACTOR.get(n, 1.0) for n in names]) if len(names) else np.ones(0)


def climate_factor(climate: pd.DataFrame, dates: pd.DatetimeIndex) -> np.ndarray:
    """(states x days) multiplier from a cosine daily temperature between each state's Jan and Jul means."""
    jan = climate["jan_mean_f"].to_numpy(float)[:, None]
    jul = climate["jul_mean_f"].to_numpy(float)[:, None]
    phase = np.cos(2 * np.pi * (dates.dayofyear.to_numpy() - PEAK_DAY_OF_YEAR) / 365.25)[None, :]
    temperature = (jan + jul) / 2 + (jul - jan) / 2 * phase
    return np.exp(TEMP_SENSITIVITY * (temperature - 65.0))


def population_by_day(population_wide: pd.DataFrame, dates: pd.DatetimeIndex) -> np.ndarray:
    """(states x days) population of each date's year; years outside the table take the nearest year."""
    years = np.array([int(c) for c in population_wide.columns if c != "State"])
    table = population_wide[[str(y) for y in years]].to_numpy(float)
    index = np.clip(np.searchsorted(years, dates.year.to_numpy()), 0, len(years) - 1)
    return table[:, index]


def checked_population(population_wide: pd.DataFrame, states: list[str] | None = None) -> pd.DataFrame:
    """`population_wide` sorted by `State`; an error names states without climate figures or unknown `states`."""
    population_wide = population_wide.sort_values("State", ignore_index=True)
    climate = _package_csv(CLIMATE_FILE).set_index("State")
    missing = sorted(set(population_wide["State"]) - set(climate.index))
    unknown = sorted(set(states or []) - set(population_wide["State"]))
    if missing or unknown:
        raise ValueError(f"states without climate figures: {missing}; states not in the population: {unknown}")
    return population_wide


def expected_demand(population_wide: pd.DataFrame, dates: pd.DatetimeIndex) -> np.ndarray:
    """(states x days) expected units per (state, date), states in `population_wide`'s row order."""
    climate = _package_csv(CLIMATE_FILE).set_index("State")
    years_in = (dates - pd.Timestamp("2017-01-01")).days.to_numpy() / 365.25
    return (
        UNITS_PER_PERSON_DAY
        * population_by_day(population_wide, dates)
        * climate_factor(climate.loc[population_wide["State"]], dates)
        * (WEEKDAY_FACTOR[dates.weekday] * holiday_factor(dates) * np.exp(TREND_PER_YEAR * years_in))[None, :]
    )


def generate_daily_sales(
    population_wide: pd.DataFrame,
    start: str = "2017-01-01",
    end: str = "2022-12-31",
    states: list[str] | None = None,
    *,
    seed: int,
) -> pd.DataFrame:
    """Raw daily sales, one row per (date, state), sorted by date then state: `Date`, `State`, `Units Sold`.

    Noise is drawn for every state of `population_wide`, so a state's series does not depend on `states`.
    """
    population_wide = checked_population(population_wide, states)
    dates = pd.date_range(start, end, freq="D")
    expected = expected_demand(population_wide, dates)
    rng = np.random.default_rng(seed)
    units = rng.poisson(expected * rng.gamma(DISPERSION, 1.0 / DISPERSION, size=expected.shape))
    keep = np.ones(len(population_wide), bool) if states is None else population_wide["State"].isin(states).to_numpy()
    names = population_wide["State"].to_numpy()[keep]
    return pd.DataFrame(
        {
            "Date": np.repeat(dates.strftime("%m/%d/%Y").to_numpy(), len(names)),
            "State": np.tile(names, len(dates)),
            "Units Sold": units[keep].T.ravel().astype(np.int64),
        }
    )


def write_population(out_dir: Path) -> Path:
    """Copy the population the project carries to `out_dir/state_population.csv`."""
    path = Path(out_dir) / "state_population.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with resources.as_file(resources.files("smelter") / "data" / POPULATION_FILE) as source:
        shutil.copyfile(source, path)
    return path


def write_raw_sources(
    out_dir: Path, seed: int, start: str = "2017-01-01", end: str = "2022-12-31", states: list[str] | None = None
) -> dict[str, Path]:
    """Write `daily_sales.csv` and `state_population.csv` (all states, as carried) into `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sales = generate_daily_sales(default_population(), start, end, states, seed=seed)
    sales.to_csv(out_dir / "daily_sales.csv", index=False, lineterminator="\n")
    return {"daily_sales": out_dir / "daily_sales.csv", "state_population": write_population(out_dir)}


def profile_stores_per_state(name: str) -> int | None:
    """Stores per state of a named profile (`small`, `medium`, `large`); None: the state-level single file."""
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; known profiles: {', '.join(PROFILES)}")
    return PROFILES[name]


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


def write_profile(
    out_dir: Path, profile: str, *, seed: int, start: str, end: str, states: list[str] | None = None
) -> dict[str, Path]:
    """The sources of a named profile in ``out_dir``: ``small`` writes today's state-level
    ``daily_sales.csv``; ``medium``/``large`` a folder ``daily_sales/`` of daily store-level files.
    Returns {"daily_sales": file or folder, "state_population": file}."""
    stores = profile_stores_per_state(profile)
    if stores is None:
        return write_raw_sources(out_dir, seed, start, end, states)
    write_store_sales(out_dir, seed=seed, start=start, end=end, states=states, stores_per_state=stores)
    return {"daily_sales": Path(out_dir) / "daily_sales", "state_population": write_population(out_dir)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the synthetic raw sources of the forecast pipeline.")
    parser.add_argument("--out", type=Path, required=True, help="landing folder")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--start", default="2017-01-01")
    parser.add_argument("--end", default="2022-12-31")
    parser.add_argument("--states", default=None, help='comma-separated names, e.g. "Texas,Ohio"')
    parser.add_argument(
        "--profile",
        choices=list(PROFILES),
        default="small",
        help="small: one state-level file; medium ~10M rows, large ~100M rows of store-level files",
    )
    parser.add_argument("--stores-per-state", type=int, default=None, help="store-level files; overrides the profile")
    parser.add_argument("--per", choices=["day", "month"], default="day", help="one store-level file a day or a month")
    args = parser.parse_args(argv)
    states = [s.strip() for s in args.states.split(",")] if args.states else None
    stores_per_state = args.stores_per_state
    if stores_per_state is None:
        stores_per_state = profile_stores_per_state(args.profile)
    if stores_per_state is None:
        for name, path in write_raw_sources(args.out, args.seed, args.start, args.end, states).items():
            print(f"{name}: {path}")
        return
    paths = write_store_sales(
        args.out,
        seed=args.seed,
        start=args.start,
        end=args.end,
        states=states,
        stores_per_state=stores_per_state,
        per=args.per,
    )
    rows = store_sales_rows(default_population(), stores_per_state, args.start, args.end, states)
    print(f"daily_sales: {len(paths)} files, {rows:,} rows in {args.out / STORE_SALES_FOLDER}")
    print(f"state_population: {write_population(args.out)}")


if __name__ == "__main__":
    main()
