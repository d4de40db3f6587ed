"""Seeded inputs for the air network design MIP: cities, distances, gravity demand.

Cities are a DataFrame with columns ``name, lat, lon, population`` (degrees) for real
cities or ``name, x, y, population`` (km on a plane) for synthetic ones. Demand is a
DataFrame ``origin, destination, passengers`` keyed by city name.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

EARTH_RADIUS_KM = 6371.0


def load_us_cities(n: int | None = None) -> pd.DataFrame:
    """The packaged ~40 largest US cities (``us_cities.csv``), the ``n`` most populous first."""
    with resources.files(__package__).joinpath("us_cities.csv").open() as fh:
        cities = pd.read_csv(fh, comment="#")
    cities = cities.sort_values("population", ascending=False, kind="stable")
    if n is not None and not 2 <= n <= len(cities):
        raise ValueError(f"n_cities must be between 2 and {len(cities)} for the US city set, got {n}")
    return cities.head(n).reset_index(drop=True)


def random_cities(n: int, seed: int, side_km: float = 2000.0) -> pd.DataFrame:
    """``n`` cities uniform on a ``side_km`` square with Pareto-distributed populations."""
    if n < 2:
        raise ValueError(f"need at least 2 cities, got {n}")
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0.0, side_km, size=(n, 2))
    population = np.round(100_000 * (1.0 + rng.pareto(1.2, size=n)))
    return pd.DataFrame(
        {"name": [f"C{i:02d}" for i in range(n)], "x": xy[:, 0], "y": xy[:, 1], "population": population}
    )


def distance_matrix(cities: pd.DataFrame) -> np.ndarray:
    """Pairwise distances in km: great-circle for ``lat/lon`` cities, planar for ``x/y``."""
    if {"lat", "lon"} <= set(cities.columns):
        lat, lon = np.radians(cities["lat"].to_numpy()), np.radians(cities["lon"].to_numpy())
        dlat, dlon = lat[:, None] - lat[None, :], lon[:, None] - lon[None, :]
        h = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
        return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    xy = cities[["x", "y"]].to_numpy(dtype=float)
    return np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=-1))


def _round_to_total(values: np.ndarray, total: int) -> np.ndarray:
    """Largest-remainder rounding of non-negative ``values`` to integers summing to ``total``."""
    scaled = values / values.sum() * total
    floor = np.floor(scaled)
    short = int(total - floor.sum())
    order = np.argsort(-(scaled - floor), kind="stable")
    floor[order[:short]] += 1
    return floor


def gravity_demand(cities: pd.DataFrame, total_passengers: int = 10_000, gamma: float = 1.0) -> pd.DataFrame:
    """Origin-destination passengers ~ pop_i * pop_j / distance^gamma over pairs i < j.

    Integer passengers summing to ``total_passengers``; pairs that round to 0 are dropped.
    """
    dist = distance_matrix(cities)
    pop = cities["population"].to_numpy(dtype=float)
    iu, ju = np.triu_indices(len(cities), k=1)
    weight = pop[iu] * pop[ju] / np.maximum(dist[iu, ju], 1.0) ** gamma
    passengers = _round_to_total(weight, total_passengers)
    names = cities["name"].to_numpy()
    demand = pd.DataFrame({"origin": names[iu], "destination": names[ju], "passengers": passengers})
    return demand[demand["passengers"] > 0].reset_index(drop=True)
