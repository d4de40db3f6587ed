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

from tasks.network.instance import NetworkInstance
from tasks.network.paths_master import PathPool, master_matrices


@dataclass
class StackedMip:
    problem: cp.Problem
    y: cp.Variable
    z: cp.Variable
    load: sparse.csr_matrix

    @property
    def share(self) -> np.ndarray:
        return np.asarray(self.y.value[self.z.size:])

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
    k, r, eye = mats["convexity"].shape[0], mats["linking"].shape[0], sparse.identity(m, format="csr")
    zeros = lambda rows, cols: sparse.csr_matrix((rows, cols))  # noqa: E731
    on_y = sparse.vstack([sparse.hstack([zeros(k, m), -mats["convexity"]]),
                          sparse.hstack([zeros(r, m), mats["linking"]]),
                          sparse.hstack([zeros(m, m), mats["load"]]), sparse.hstack([-eye, zeros(m, len(pool.owner))]),
                          sparse.hstack([-eye, instance.pax_cost_per_km * mats["load"]])]).tocsr()
    on_z = sparse.vstack([zeros(k, m), -mats["select"], -mats["big_m"] * eye,
                          instance.threshold * eye, zeros(m, m)]).tocsr()
    y = cp.Variable(m + len(pool.owner), nonneg=True, name="y")
    z = cp.Variable(m, boolean=True, name="z")
    b = np.concatenate([-np.ones(k), np.zeros(r + 3 * m)])
    problem = cp.Problem(cp.Minimize(instance.col("distance_km") @ y[:m]), [on_y @ y + on_z @ z <= b])
    return StackedMip(problem, y, z, mats["load"])
