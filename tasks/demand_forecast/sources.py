"""Seeded generator of the forecast pipeline's raw sources, in the shape a user would bring them.

- daily ice-cream sales per state: CSV with `Date` (text, MM/DD/YYYY), `State` (name), `Units Sold` (int >= 0)
- or per store: point-of-sale exports `Date`, `State`, `Store` (e.g. `TX-00017`), `Units Sold`, one CSV per day
  (or month) under `daily_sales/`; each store takes a fixed, seeded share of its state's expected demand
- state population: USAFacts' wide shape, one row per state, one column per year (`State,2017,...,2022`)

Expected units = per-capita rate x that year's population x climate seasonality x weekday x holiday x trend
(:mod:`tasks.demand_forecast.demand_model`); observed units add gamma-Poisson (negative binomial) noise.
Store-level files come from :mod:`tasks.demand_forecast.store_sources`. Same arguments -> byte-identical files.
"""

from __future__ import annotations

import argparse
import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

# the demand model and the store-level generator live in their own modules; their names are re-exported
from tasks.demand_forecast.demand_model import DISPERSION, POPULATION_FILE, checked_population, expected_demand
from tasks.demand_forecast.demand_model import climate_factor as climate_factor
from tasks.demand_forecast.demand_model import default_population as default_population
from tasks.demand_forecast.demand_model import holiday_factor as holiday_factor
from tasks.demand_forecast.demand_model import population_by_day as population_by_day
from tasks.demand_forecast.store_sources import STORE_SALES_FOLDER as STORE_SALES_FOLDER
from tasks.demand_forecast.store_sources import allocate_stores as allocate_stores
from tasks.demand_forecast.store_sources import expected_store_demand as expected_store_demand
from tasks.demand_forecast.store_sources import iter_store_sales as iter_store_sales
from tasks.demand_forecast.store_sources import store_sales_rows as store_sales_rows
from tasks.demand_forecast.store_sources import store_table as store_table
from tasks.demand_forecast.store_sources import write_store_sales as write_store_sales

SALES_COLUMNS = ["Date", "State", "Units Sold"]
# Stores per state of each profile (None: the state-level single file); rows = 51 x stores x 2,191 days (2017-2022)
PROFILES: dict[str, int | None] = {"small": None, "medium": 89, "large": 895}  # 0.11M, 9.9M, 100.0M rows


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
