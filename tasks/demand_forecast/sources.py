"""Seeded generator of the forecast pipeline's two raw sources, in the shape a user would bring them.

- daily ice-cream sales per state: CSV with `Date` (text, MM/DD/YYYY), `State` (name), `Units Sold` (int >= 0)
- state population: USAFacts' wide shape, one row per state, one column per year (`State,2017,...,2022`)

Expected units = per-capita rate x that year's population x climate seasonality x weekday x holiday x trend;
observed units add gamma-Poisson (negative binomial) noise. Same arguments -> byte-identical files.
"""

from __future__ import annotations

import argparse
import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from tasks.demand_forecast.schema import holiday_names

POPULATION_FILE = "state_population_2017_2022.csv"
CLIMATE_FILE = "state_climate.csv"
SALES_COLUMNS = ["Date", "State", "Units Sold"]

UNITS_PER_PERSON_DAY = 5e-5  # ~2,000 units a day for California in July
TEMP_SENSITIVITY = 0.03  # demand grows exp(0.03 per degree F) around 65 F
PEAK_DAY_OF_YEAR = 200  # temperatures peak around July 19
WEEKDAY_FACTOR = np.array([0.90, 0.87, 0.90, 0.96, 1.08, 1.30, 1.22])  # Monday .. Sunday
HOLIDAY_FACTOR = {"july_4": 1.8, "memorial_day": 1.5, "labor_day": 1.4}
TREND_PER_YEAR = 0.03
DISPERSION = 25.0  # gamma shape: variance = mean + mean^2 / DISPERSION


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
    population_wide = population_wide.sort_values("State", ignore_index=True)
    climate = _package_csv(CLIMATE_FILE).set_index("State")
    missing = sorted(set(population_wide["State"]) - set(climate.index))
    unknown = sorted(set(states or []) - set(population_wide["State"]))
    if missing or unknown:
        raise ValueError(f"states without climate figures: {missing}; states not in the population: {unknown}")
    dates = pd.date_range(start, end, freq="D")
    years_in = (dates - pd.Timestamp("2017-01-01")).days.to_numpy() / 365.25
    expected = (
        UNITS_PER_PERSON_DAY
        * population_by_day(population_wide, dates)
        * climate_factor(climate.loc[population_wide["State"]], dates)
        * (WEEKDAY_FACTOR[dates.weekday] * holiday_factor(dates) * np.exp(TREND_PER_YEAR * years_in))[None, :]
    )
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


def write_raw_sources(
    out_dir: Path, seed: int, start: str = "2017-01-01", end: str = "2022-12-31", states: list[str] | None = None
) -> dict[str, Path]:
    """Write `daily_sales.csv` and `state_population.csv` (all states, as carried) into `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"daily_sales": out_dir / "daily_sales.csv", "state_population": out_dir / "state_population.csv"}
    sales = generate_daily_sales(default_population(), start, end, states, seed=seed)
    sales.to_csv(paths["daily_sales"], index=False, lineterminator="\n")
    with resources.as_file(resources.files("smelter") / "data" / POPULATION_FILE) as source:
        shutil.copyfile(source, paths["state_population"])
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the synthetic raw sources of the forecast pipeline.")
    parser.add_argument("--out", type=Path, required=True, help="landing folder")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--start", default="2017-01-01")
    parser.add_argument("--end", default="2022-12-31")
    parser.add_argument("--states", default=None, help='comma-separated names, e.g. "Texas,Ohio"')
    args = parser.parse_args(argv)
    states = [s.strip() for s in args.states.split(",")] if args.states else None
    for name, path in write_raw_sources(args.out, args.seed, args.start, args.end, states).items():
        print(f"{name}: {path}")


if __name__ == "__main__":
    main()
