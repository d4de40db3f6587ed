"""The article's formulation ("An Introduction to Air Travel Network Optimization Using
Mixed Integer Programming"), kept faithful as ``formulation="article"``.

B: n x m incidence matrix; O: demand per pair (m,); R: m x m routing matrix whose column k
carries pair k's passengers over the legs (signed by leg orientation). Flow conservation
``B R = B diag(O)`` says column k moves O_k from one end of pair k to the other, exactly as
the direct leg would. Leg volume ``L = |R| 1`` (written with T >= |R|, as cvxpy would
canonicalise ``abs``); one big M = total demand links L to z: ``L <= M z``.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from tasks.network_design.formulation import BuiltModel, leg_cost_problem, value_of
from tasks.network_design.instance import NetworkInstance


def build_article(instance: NetworkInstance) -> BuiltModel:
    """The article's MIP: m^2 signed routing variables, m binaries, one big M per leg."""
    m = instance.m
    demand = instance.col("demand")
    incidence = instance.incidence()
    routing = cp.Variable((m, m), name="R")
    magnitude = cp.Variable((m, m), nonneg=True, name="abs_R")
    z = cp.Variable(m, boolean=True, name="z")
    volume = cp.sum(magnitude, axis=1)
    big_m = float(demand.sum())
    constraints = [
        incidence @ routing == incidence.multiply(demand[None, :]).toarray(),
        magnitude >= routing,
        magnitude >= -routing,
        volume <= big_m * z,
    ]
    problem, cost_per_km = leg_cost_problem(instance, z, volume, constraints)

    def route_direct() -> None:
        routing.value = np.diag(demand.astype(float))
        magnitude.value = np.abs(routing.value)

    return BuiltModel("article", instance, problem, z, cost_per_km, volume, lambda: value_of(routing), route_direct)
