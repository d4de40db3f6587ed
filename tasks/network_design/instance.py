"""One network-design instance: cities, every city pair as a candidate leg, demand and costs.

Pairs are the m = n(n-1)/2 unordered city pairs (u < v), in ``np.triu_indices`` order; the
leg of pair e is oriented u -> v (column e of the incidence matrix B has +1 at u, -1 at v).
Costs per pair: ``pax_cost = pax_cost_per_km * distance_km`` per passenger and
``min_cost = threshold * distance_km`` to operate the leg at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import sparse

from tasks.network_design.sources import distance_matrix


@dataclass(frozen=True)
class NetworkInstance:
    """``cities``: name, population, coordinates; ``pairs``: u, v, origin, destination,
    distance_km, demand, pax_cost, min_cost (one row per unordered pair)."""

    cities: pd.DataFrame
    pairs: pd.DataFrame
    threshold: float
    pax_cost_per_km: float

    @property
    def n(self) -> int:
        return len(self.cities)

    @property
    def m(self) -> int:
        return len(self.pairs)

    def col(self, name: str) -> np.ndarray:
        """A pairs column as a read-only numpy array, converted once (solvers read them in loops)."""
        if name not in self._columns:
            values = self.pairs[name].to_numpy().copy()
            values.flags.writeable = False
            self._columns[name] = values
        return self._columns[name]

    @cached_property
    def _columns(self) -> dict:
        return {}

    @cached_property
    def leg_index(self) -> np.ndarray:
        """n x n, read-only: the leg (pair index) joining cities a and b, either way round (diagonal 0)."""
        index = np.zeros((self.n, self.n), dtype=int)
        index[self.col("u"), self.col("v")] = np.arange(self.m)
        index = index + index.T
        index.flags.writeable = False
        return index

    def incidence(self) -> sparse.csr_matrix:
        """n x m oriented incidence matrix B: +1 at u, -1 at v of each pair."""
        e = np.arange(self.m)
        rows = np.concatenate([self.col("u"), self.col("v")])
        vals = np.concatenate([np.ones(self.m), -np.ones(self.m)])
        return sparse.csr_matrix((vals, (rows, np.concatenate([e, e]))), shape=(self.n, self.m))


def validate_demand(demand: pd.DataFrame, cities: pd.DataFrame, source: str = "demand") -> None:
    """Raise ValueError naming source, column and row for unknown cities, self-pairs or bad counts."""
    missing = {"origin", "destination", "passengers"} - set(demand.columns)
    if missing:
        raise ValueError(f"{source}: missing column(s) {sorted(missing)}")
    known = set(cities["name"])
    for row, rec in enumerate(demand.itertuples(index=False)):
        for column in ("origin", "destination"):
            if getattr(rec, column) not in known:
                raise ValueError(f"{source}: column '{column}' row {row}: unknown city {getattr(rec, column)!r}")
        if rec.origin == rec.destination:
            raise ValueError(f"{source}: row {row}: origin equals destination {rec.origin!r}")
        if not np.isfinite(rec.passengers) or rec.passengers < 0:
            raise ValueError(
                f"{source}: column 'passengers' row {row}: must be a finite number >= 0, got {rec.passengers!r}"
            )
    if demand["passengers"].sum() <= 0:
        raise ValueError(f"{source}: total demand is zero")


def build_instance(
    cities: pd.DataFrame, demand: pd.DataFrame, threshold: float, pax_cost_per_km: float = 1.0, source: str = "demand"
) -> NetworkInstance:
    """Pair table for every unordered city pair; demand of both directions is summed."""
    if threshold < 0 or pax_cost_per_km <= 0:
        raise ValueError(f"need threshold >= 0 and pax_cost_per_km > 0, got {threshold}, {pax_cost_per_km}")
    if cities["name"].duplicated().any():
        raise ValueError(f"duplicate city names: {sorted(cities['name'][cities['name'].duplicated()])}")
    validate_demand(demand, cities, source)
    cities = cities.reset_index(drop=True)
    index = {name: i for i, name in enumerate(cities["name"])}
    n = len(cities)
    od = np.zeros((n, n))
    np.add.at(
        od,
        (demand["origin"].map(index).to_numpy(), demand["destination"].map(index).to_numpy()),
        demand["passengers"].to_numpy(dtype=float),
    )
    u, v = np.triu_indices(n, k=1)
    dist = distance_matrix(cities)[u, v]
    if np.any(dist <= 0):
        raise ValueError("two cities share a location (distance 0)")
    names = cities["name"].to_numpy()
    pairs = pd.DataFrame(
        {
            "u": u,
            "v": v,
            "origin": names[u],
            "destination": names[v],
            "distance_km": dist,
            "demand": od[u, v] + od[v, u],
            "pax_cost": pax_cost_per_km * dist,
            "min_cost": threshold * dist,
        }
    )
    return NetworkInstance(cities, pairs, float(threshold), float(pax_cost_per_km))
