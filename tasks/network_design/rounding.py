"""A feasible network from an LP relaxation: open the legs whose z exceeds a cut, fly every
pair on its shortest route over them, keep the cheapest cut. Used as the MIP start."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from tasks.network_design.instance import NetworkInstance

CUTS = (1e-3, 0.05, 0.2, 0.5, 0.8)


def route_shortest(instance: NetworkInstance, open_legs: np.ndarray) -> list[list[int]] | None:
    """Node list of each pair's shortest route over ``open_legs`` (None if some pair is cut off)."""
    u, v, d = instance.col("u")[open_legs], instance.col("v")[open_legs], instance.col("distance_km")[open_legs]
    graph = sparse.csr_matrix(
        (np.concatenate([d, d]), (np.concatenate([u, v]), np.concatenate([v, u]))), shape=(instance.n, instance.n)
    )
    dist, pred = dijkstra(graph, return_predecessors=True)
    routes = []
    for s, t in zip(instance.col("u"), instance.col("v"), strict=False):
        if not np.isfinite(dist[s, t]):
            return None
        nodes = [t]
        while nodes[-1] != s:
            nodes.append(pred[s, nodes[-1]])
        routes.append(nodes[::-1])
    return routes


def network_cost(instance: NetworkInstance, routes: list[list[int]]) -> float:
    """Total leg cost when pair k flies ``routes[k]``."""
    index = instance.leg_index
    volume = np.zeros(instance.m)
    for nodes, load in zip(routes, instance.col("demand"), strict=False):
        volume[index[nodes[:-1], nodes[1:]]] += load
    return network_cost_of_volume(instance, volume)


def network_cost_of_volume(instance: NetworkInstance, volume: np.ndarray, tol: float = 1e-9) -> float:
    """Total leg cost of the legs carrying ``volume`` passengers (a leg with none stays closed)."""
    used = volume > tol
    return float(
        (instance.col("distance_km") * np.maximum(instance.threshold * used, instance.pax_cost_per_km * volume)).sum()
    )


def round_relaxation(instance: NetworkInstance, z: np.ndarray) -> list[list[int]]:
    """Routes per pair of the cheapest network among the LP-rounding cuts (all direct if none)."""
    best = [[u, v] for u, v in zip(instance.col("u"), instance.col("v"), strict=False)]
    best_cost = network_cost(instance, best)
    for cut in CUTS:
        routes = route_shortest(instance, z > cut)
        if routes is not None and network_cost(instance, routes) < best_cost:
            best, best_cost = routes, network_cost(instance, routes)
    return best
