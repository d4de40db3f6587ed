"""Checks every designed network must pass; each returns a residual (0 is perfect).

``check_design`` raises SolutionCheckError naming every failed check, else returns the
residuals: undelivered passengers, conservation residual of ``B F = B diag(O)``, flow on
closed legs, volume mismatch, direct-routing error at threshold 0, disconnected cities.
"""

from __future__ import annotations

import numpy as np

from tasks.network_design.design import NetworkDesign


class SolutionCheckError(AssertionError):
    """A solved network violates a check (lost demand, broken conservation, ...)."""


def conservation_residual(design: NetworkDesign) -> float:
    """max |B F - B diag(O)| in passengers."""
    incidence = design.instance.incidence()
    target = incidence.multiply(design.instance.col("demand")[None, :]).toarray()
    return float(np.abs(incidence @ design.flows - target).max())


def undelivered(design: NetworkDesign) -> float:
    """Largest gap between a pair's demand and the passengers arriving at its destination."""
    inst = design.instance
    arriving = -(inst.incidence() @ design.flows)[inst.col("v"), np.arange(inst.m)]
    return float(np.abs(arriving - inst.col("demand")).max())


def closed_leg_flow(design: NetworkDesign) -> float:
    """Passengers routed over legs that are not open."""
    return float(np.abs(design.flows[~design.open_legs]).sum())


def volume_mismatch(design: NetworkDesign) -> float:
    """How far leg volumes fall short of the routed flows |F| 1 on them."""
    return float(np.maximum(np.abs(design.flows).sum(axis=1) - design.volume, 0.0).max())


def direct_error(design: NetworkDesign) -> float:
    """At threshold 0 every pair flies direct, so L == O; 0 for other thresholds."""
    if design.instance.threshold > 0:
        return 0.0
    return float(np.abs(design.volume - design.instance.col("demand")).max())


def extra_components(design: NetworkDesign) -> int:
    """Connected components of the open legs beyond one, among cities with demand."""
    inst = design.instance
    parent = list(range(inst.n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for u, v in zip(inst.col("u")[design.open_legs], inst.col("v")[design.open_legs], strict=False):
        parent[root(u)] = root(v)
    has_demand = inst.col("demand") > 0
    active = np.union1d(inst.col("u")[has_demand], inst.col("v")[has_demand])
    return int(len({root(i) for i in active}) - 1) if len(active) else 0


def check_design(design: NetworkDesign, rel_tol: float = 1e-6) -> dict[str, float]:
    """All residuals by name; raise SolutionCheckError if any exceeds its tolerance."""
    tol = rel_tol * max(1.0, float(design.instance.col("demand").sum()))
    residuals = {
        "undelivered": undelivered(design),
        "conservation_residual": conservation_residual(design),
        "closed_leg_flow": closed_leg_flow(design),
        "volume_mismatch": volume_mismatch(design),
        "direct_error": direct_error(design),
        "extra_components": float(extra_components(design)),
    }
    failed = {k: v for k, v in residuals.items() if v > tol}
    if failed:
        raise SolutionCheckError(
            f"{design.formulation} network at threshold "
            f"{design.instance.threshold} fails checks (tol {tol:.3g}): {failed}"
        )
    return residuals
