"""The column-generation LP as arrays: one stacked row block ``A x <= b`` over one variable.

The same LP as ``build_master(..., integer=False)`` (a test compares their optimal values as the
pool grows). ``x = [z, cost_per_km, lambda]`` and the rows are ``[convexity, big M, min cost,
per-passenger cost, tight linking]``, so new paths and new tight rows only extend the last column
and row blocks, as ``tasks.network_design.lp_warm.GrowingLp`` needs.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from tasks.network_design.instance import NetworkInstance
from tasks.network_design.paths_master import PathPool, assemble, master_matrices


def split_duals(y: np.ndarray, n_pairs: int, m: int, rows: dict) -> dict:
    """The stacked rows' duals ``y`` as pi, big_m, sigma and mu (the min-cost block is skipped)."""
    k = n_pairs
    return {"pi": y[:k], "big_m": y[k : k + m], "sigma": y[k + 2 * m : k + 3 * m], "mu": y[k + 3 * m :], **rows}


def stacked_arrays(instance: NetworkInstance, pool: PathPool) -> dict:
    """The LP as arrays: ``A`` (csr), ``b``, ``upper`` bounds (lower are 0), ``cost``,
    ``n_pairs`` and ``rows`` (pair, leg of each tight row)."""
    mats, m = master_matrices(instance, pool), instance.m
    n_paths, eye = len(pool.owner), sparse.identity(m, format="coo")
    k, r = mats["convexity"].shape[0], mats["linking"].shape[0]
    a_matrix = assemble(
        [
            (0, 2 * m, -mats["convexity"]),
            (k, 0, -mats["big_m"] * eye),
            (k, 2 * m, mats["load"]),
            (k + m, 0, instance.threshold * eye),
            (k + m, m, -eye),
            (k + 2 * m, m, -eye),
            (k + 2 * m, 2 * m, instance.pax_cost_per_km * mats["load"]),
            (k + 3 * m, 0, -mats["select"]),
            (k + 3 * m, 2 * m, mats["linking"]),
        ],
        (k + 3 * m + r, 2 * m + n_paths),
    )
    return {
        "A": a_matrix,
        "b": np.concatenate([-np.ones(k), np.zeros(3 * m + r)]),
        "upper": np.concatenate([np.ones(m), np.full(m + n_paths, np.inf)]),
        "cost": np.concatenate([np.zeros(m), instance.col("distance_km"), np.zeros(n_paths)]),
        "n_pairs": k,
        "rows": mats["rows"],
    }
