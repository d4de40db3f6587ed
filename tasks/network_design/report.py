"""Tables from solved networks: one row per open leg, one summary row per threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smelter.results import DesignSolved
from tasks.network_design.design import NetworkDesign

SUMMARY_COLUMNS = [
    "threshold",
    "formulation",
    "n_cities",
    "open_legs",
    "total_volume",
    "direct_share",
    "passenger_cost",
    "minimum_cost_topup",
    "total_cost",
    "objective",
    "bound",
    "gap",
    "status",
    "hit_limit",
    "solve_seconds",
    "wall_seconds",
    "n_variables",
    "n_constraints",
]


def leg_costs(design: NetworkDesign) -> pd.DataFrame:
    """Per pair: passenger part p_e L_e, top-up max(0, f_e - p_e L_e) and total (0 when closed)."""
    inst, is_open = design.instance, design.open_legs
    passenger = np.where(is_open, inst.col("pax_cost") * design.volume, 0.0)
    topup = np.where(is_open, np.maximum(inst.col("min_cost") - passenger, 0.0), 0.0)
    return pd.DataFrame({"passenger_cost": passenger, "minimum_cost_topup": topup, "leg_cost": passenger + topup})


def legs_table(design: NetworkDesign) -> pd.DataFrame:
    """Open legs: threshold, formulation, origin, destination, distance_km, volume (passengers),
    direct_demand (the pair's own passengers), costs, and which cost binds."""
    inst = design.instance
    legs = inst.pairs[["origin", "destination", "distance_km"]].assign(
        volume=design.volume, direct_demand=inst.col("demand")
    )
    legs = pd.concat([legs, leg_costs(design)], axis=1)[design.open_legs]
    legs["binding"] = np.where(legs["minimum_cost_topup"] > 0, "minimum", "passenger")
    legs.insert(0, "formulation", design.formulation)
    legs.insert(0, "threshold", inst.threshold)
    return legs.sort_values("volume", ascending=False).reset_index(drop=True)


def summary_row(design: NetworkDesign) -> dict:
    """Open legs, volume, cost split and solve statistics of one design (keys: SUMMARY_COLUMNS)."""
    inst, stats = design.instance, design.stats
    costs = leg_costs(design).sum()
    demand = inst.col("demand")
    direct = np.minimum(np.abs(design.flows[np.arange(inst.m), np.arange(inst.m)]), demand).sum()
    return {
        "threshold": inst.threshold,
        "formulation": design.formulation,
        "n_cities": inst.n,
        "open_legs": int(design.open_legs.sum()),
        "total_volume": float(design.volume.sum()),
        "direct_share": float(direct / demand.sum()),
        "passenger_cost": float(costs["passenger_cost"]),
        "minimum_cost_topup": float(costs["minimum_cost_topup"]),
        "total_cost": float(costs["leg_cost"]),
        "objective": stats.objective,
        "bound": stats.bound,
        "gap": stats.gap,
        "status": stats.status,
        "hit_limit": stats.hit_limit,
        "solve_seconds": stats.solve_seconds,
        "wall_seconds": stats.wall_seconds,
        "n_variables": stats.n_variables,
        "n_constraints": stats.n_constraints,
    }


def summary_table(designs: list[NetworkDesign]) -> pd.DataFrame:
    """One summary row per design, in threshold order."""
    rows = [summary_row(d) for d in designs]
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS).sort_values("threshold").reset_index(drop=True)


def design_solved(design: NetworkDesign) -> DesignSolved:
    """The headline of one solve as a result: scenario ``{"threshold": t}``, status, objective, gap,
    wall seconds."""
    stats = design.stats
    return DesignSolved(
        {"threshold": float(design.instance.threshold)},
        stats.status,
        float(stats.objective),
        float(stats.gap),
        float(stats.wall_seconds),
    )
