"""The default, stronger formulation: directed multi-commodity flow with tight linking.

Each pair k with demand O_k > 0 is its own commodity, sent from u_k to v_k over 2m directed
arcs (arc e is u_e -> v_e, arc e+m is v_e -> u_e). Flows are shares y in [0, 1] of O_k
(passengers x = O_k y), so conservation has right-hand sides +-1 and linking is per
commodity, ``y[e, k] + y[e+m, k] <= z_e`` (i.e. x_k,e <= O_k z_e), instead of one big M per
leg: the LP relaxation then charges a leg min_cost_e times the largest share of any pair on
it, which is what makes it solve at or near the root node. Summing both directions is valid
because an optimal flow never uses a leg both ways (that cycle only adds volume).
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
from scipy import sparse

from tasks.network_design.formulation import BuiltModel, leg_cost_problem, value_of
from tasks.network_design.instance import NetworkInstance


def build_multicommodity(instance: NetworkInstance) -> BuiltModel:
    """Directed per-pair shares y (2m x K) and per-pair linking; pairs without demand still route."""
    m = instance.m
    demand = instance.col("demand")
    commodities = np.flatnonzero(demand > 0)
    incidence = instance.incidence()
    arcs = sparse.hstack([incidence, -incidence]).tocsr()
    share = cp.Variable((2 * m, len(commodities)), nonneg=True, name="y")
    z = cp.Variable(m, boolean=True, name="z")
    both_ways = share[:m, :] + share[m:, :]
    constraints = [
        arcs @ share == incidence[:, commodities].toarray(),
        both_ways <= cp.reshape(z, (m, 1), order="F") @ np.ones((1, len(commodities))),
    ]
    volume = both_ways @ demand[commodities]
    problem, cost_per_km = leg_cost_problem(instance, z, volume, constraints)

    def signed_flows() -> np.ndarray:
        flows = np.zeros((m, m))
        solved = value_of(share)
        flows[:, commodities] = (solved[:m, :] - solved[m:, :]) * demand[commodities]
        return flows

    def route_direct() -> None:
        start = np.zeros((2 * m, len(commodities)))
        start[commodities, np.arange(len(commodities))] = 1.0
        share.value = start

    return BuiltModel("multicommodity", instance, problem, z, cost_per_km, volume, signed_flows, route_direct)
