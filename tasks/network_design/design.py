"""Design one network: build the chosen formulation, solve it, read off legs and flows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tasks.network_design.article import build_article
from tasks.network_design.formulation import BuiltModel
from tasks.network_design.instance import NetworkInstance
from tasks.network_design.multicommodity import build_multicommodity
from tasks.network_design.solve import SolveStats, solve_problem

FORMULATIONS = {"article": build_article, "multicommodity": build_multicommodity, "paths": None}


@dataclass(frozen=True)
class NetworkDesign:
    """``open_legs`` (m,) bool, ``volume`` (m,) passengers per leg, ``flows`` m x m signed
    routed passengers (column = pair), for ``instance`` as solved by ``formulation``."""

    instance: NetworkInstance
    formulation: str
    stats: SolveStats
    open_legs: np.ndarray
    volume: np.ndarray
    flows: np.ndarray


def build_model(instance: NetworkInstance, formulation: str) -> BuiltModel:
    """The cvxpy model of ``formulation`` ('multicommodity' or 'article') for ``instance``."""
    builder = FORMULATIONS.get(formulation)
    if builder is None:
        raise ValueError(f"unknown formulation {formulation!r}; choose one of {sorted(FORMULATIONS)}")
    return builder(instance)


def optimise_network(
    instance: NetworkInstance,
    formulation: str = "multicommodity",
    time_limit_s: float = 60.0,
    mip_gap: float = 0.01,
    seed: int = 0,
    direct_start: bool = True,
) -> NetworkDesign:
    """Solve ``instance``; a time-limited solve returns its incumbent with status flagged.
    ``direct_start`` hands HiGHS the all-direct network as a first incumbent."""
    if formulation == "paths":
        from tasks.network_design.paths import solve_paths

        return NetworkDesign(instance, formulation, *solve_paths(instance, time_limit_s, mip_gap, seed))
    built = build_model(instance, formulation)
    if direct_start:
        built.set_direct_start()
    stats = solve_problem(built.problem, time_limit_s, mip_gap, seed)
    open_legs = np.asarray(built.z.value) > 0.5
    volume = np.where(open_legs, np.maximum(np.asarray(built.volume.value), 0.0), 0.0)
    return NetworkDesign(instance, formulation, stats, open_legs, volume, built.signed_flows())
