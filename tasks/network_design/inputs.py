"""The cities and demand of a run: the packaged US cities and gravity demand by default, or
the user's own tables (CSV or Parquet) of the same shape, validated with clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tasks.network_design.instance import validate_demand
from tasks.network_design.sources import gravity_demand, load_us_cities, random_cities


def read_table(path: str | Path) -> pd.DataFrame:
    """A CSV (``#`` comments allowed) or Parquet file as a DataFrame."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"input table not found: {path}")
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, comment="#")


def validate_cities(cities: pd.DataFrame, source: str = "cities") -> pd.DataFrame:
    """Columns name, population and lat/lon or x/y; finite coordinates, populations > 0."""
    coords = ["lat", "lon"] if {"lat", "lon"} <= set(cities.columns) else ["x", "y"]
    missing = {"name", "population", *coords} - set(cities.columns)
    if missing:
        raise ValueError(f"{source}: missing column(s) {sorted(missing)} (need name, population and lat/lon or x/y)")
    for column in [*coords, "population"]:
        values = pd.to_numeric(cities[column], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values) | ((values <= 0) if column == "population" else False))
        if len(bad):
            raise ValueError(f"{source}: column '{column}' row {bad[0]}: invalid value {cities[column].iloc[bad[0]]!r}")
    if len(cities) < 2:
        raise ValueError(f"{source}: need at least 2 cities, got {len(cities)}")
    return cities[["name", *coords, "population"]].astype(dict.fromkeys(coords, float))


def network_inputs(
    n_cities: int | None = None,
    cities_path: str | None = None,
    demand_path: str | None = None,
    total_passengers: int = 10_000,
    gamma: float = 1.0,
    city_set: str = "us",
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(cities, demand): from the user's files when given, else ``city_set`` 'us' (the packaged
    US cities) or 'random' (``seed``-ed random cities), with gravity demand."""
    if cities_path is not None:
        cities = validate_cities(read_table(cities_path), str(cities_path))
        cities = cities.head(n_cities) if n_cities else cities
    elif city_set == "random":
        cities = random_cities(n_cities or 10, seed)
    elif city_set == "us":
        cities = load_us_cities(n_cities)
    else:
        raise ValueError(f"city_set must be 'us' or 'random', got {city_set!r}")
    if demand_path is None:
        return cities, gravity_demand(cities, total_passengers, gamma)
    demand = read_table(demand_path)
    validate_demand(demand, cities, str(demand_path))
    return cities, demand
