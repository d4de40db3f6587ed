"""The path MIP as two stacked sparse blocks, ``A_y y + A_z z <= b``, for cvxpy to compile.

The same model as ``build_master(..., integer=True)``, with the very matrices cvxpy makes
of it (columns ``[cost_per_km, lambda, z]``, rows ``[convexity, tight linking, big M, min
cost, per-passenger cost]``), but two matrix products to canonicalise instead of a dozen
expression trees: a third of the compile time of the only cvxpy solve left in
price-and-branch. ``y = [cost_per_km, lambda] >= 0``, ``z`` boolean.
"""

from __future__ import annotations

from dataclasses import dataclass

import cvxpy as cp
import numpy as np
from scipy import sparse

from tasks.network_design.formulation import value_of
from tasks.network_design.instance import NetworkInstance
from tasks.network_design.paths_master import PathPool, assemble, master_matrices


@dataclass
class StackedMip:
    problem: cp.Problem
    y: cp.Variable
    z: cp.Variable
    load: sparse.csr_matrix

    @property
    def share(self) -> np.ndarray:
        return np.asarray(value_of(self.y)[self.z.size :])

    @property
    def volume(self) -> np.ndarray:
        return self.load @ self.share

    def start_from(self, instance: NetworkInstance, share: np.ndarray) -> None:
        """Set the MIP start of these path shares: legs open where they carry passengers."""
        volume = self.load @ share
        z = np.asarray(volume > 0, dtype=float)
        cost_per_km = np.maximum(instance.threshold * z, instance.pax_cost_per_km * volume)
        self.z.value, self.y.value = z, np.concatenate([cost_per_km, share])


def build_stacked_mip(instance: NetworkInstance, pool: PathPool) -> StackedMip:
    """min sum_e d_e k_e over the pooled paths, z boolean; see the module docstring."""
    mats, m = master_matrices(instance, pool), instance.m
    k, r, eye = mats["convexity"].shape[0], mats["linking"].shape[0], sparse.identity(m, format="coo")
    rows = k + r + 3 * m
    on_y = assemble(
        [
            (0, m, -mats["convexity"]),
            (k, m, mats["linking"]),
            (k + r, m, mats["load"]),
            (k + r + m, 0, -eye),
            (k + r + 2 * m, 0, -eye),
            (k + r + 2 * m, m, instance.pax_cost_per_km * mats["load"]),
        ],
        (rows, m + len(pool.owner)),
    )
    on_z = assemble(
        [(k, 0, -mats["select"]), (k + r, 0, -mats["big_m"] * eye), (k + r + m, 0, instance.threshold * eye)], (rows, m)
    )
    y = cp.Variable(m + len(pool.owner), nonneg=True, name="y")
    z = cp.Variable(m, boolean=True, name="z")
    b = np.concatenate([-np.ones(k), np.zeros(r + 3 * m)])
    problem = cp.Problem(cp.Minimize(instance.col("distance_km") @ y[:m]), [on_y @ y + on_z @ z <= b])
    return StackedMip(problem, y, z, mats["load"])
