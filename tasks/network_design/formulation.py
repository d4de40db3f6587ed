"""What every formulation shares: the built cvxpy problem and the leg cost model.

A leg's cost is 0 when it is closed (z_e = 0) and otherwise at least its minimum cost and
at least its per-passenger cost times its volume: ``c_e >= min_cost_e z_e``,
``c_e >= pax_cost_e L_e``, ``c_e >= 0``; the objective is ``sum_e c_e``. Both costs are
linear in distance, so the rows are divided by ``d_e`` (cost per km ``k_e = c_e / d_e``,
objective ``sum_e d_e k_e``): the same optimum with matrix coefficients ~1 instead of ~1e5.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cvxpy as cp
import numpy as np

from tasks.network_design.instance import NetworkInstance


def value_of(expr: cp.Expression) -> np.ndarray:
    """``expr.value`` once the problem is solved (or a start is set); an error naming ``expr`` if it has none."""
    value = expr.value
    if value is None:
        raise ValueError(f"{expr.name()} has no value: solve the problem or set a start first")
    return value


@dataclass
class BuiltModel:
    """``z``: leg open (m,), ``volume``: passengers per leg (m,), ``signed_flows()``: m x m
    matrix whose column k is pair k's demand routed over the legs, signed by leg orientation;
    ``route_direct()`` sets the flow variables to "every pair flies direct"."""

    formulation: str
    instance: NetworkInstance
    problem: cp.Problem
    z: cp.Variable
    cost_per_km: cp.Variable
    volume: cp.Expression
    signed_flows: Callable[[], np.ndarray]
    route_direct: Callable[[], None]

    def set_direct_start(self) -> None:
        """Give every variable the values of the all-direct network, a feasible MIP start."""
        inst = self.instance
        self.z.value = (inst.col("demand") > 0).astype(float)
        self.route_direct()
        self.cost_per_km.value = np.maximum(
            inst.threshold * value_of(self.z), inst.pax_cost_per_km * value_of(self.volume)
        )


def leg_cost_problem(
    instance: NetworkInstance, z: cp.Variable, volume: cp.Expression, constraints: list
) -> tuple[cp.Problem, cp.Variable]:
    """Minimise total leg cost subject to ``constraints`` plus the leg cost model."""
    cost_per_km = cp.Variable(instance.m, nonneg=True, name="leg_cost_per_km")
    cost_rows = [cost_per_km >= instance.threshold * z, cost_per_km >= instance.pax_cost_per_km * volume]
    objective = cp.Minimize(instance.col("distance_km") @ cost_per_km)
    return cp.Problem(objective, constraints + cost_rows), cost_per_km
