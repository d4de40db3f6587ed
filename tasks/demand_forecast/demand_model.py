"""The demand model behind the generated sales: expected units per (state, day) from the population the
project carries, a per-capita rate, climate seasonality, weekday, holidays and trend (see
:mod:`tasks.demand_forecast.sources`); the state-level and the store-level generators draw their noise
around it."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

from tasks.demand_forecast.schema import holiday_names

POPULATION_FILE = "state_population_2017_2022.csv"
CLIMATE_FILE = "state_climate.csv"
STATE_CODES_FILE = "state_codes.csv"

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
