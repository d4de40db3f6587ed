"""The path master problem: a pool of paths per pair and the LP/MIP over their shares.

Rows: ``sum_p lambda_p >= 1`` per pair (dual pi); the big-M row ``L_e <= (sum O) z_e`` per
leg, which alone makes the MIP valid; the tight rows ``sum_{p of k through e} lambda_p <= z_e``
for the (pair, leg) couples in ``pool.link_rows`` (dual mu), added when the LP violates
them; and the leg cost model with volume ``L_e = sum_p O_k(p) lambda_p [e in p]`` (dual
sigma of ``k_e >= rate L_e``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cvxpy as cp
import numpy as np
from scipy import sparse

from tasks.network_design.formulation import leg_cost_problem, value_of
from tasks.network_design.instance import NetworkInstance


@dataclass
class PathPool:
    """``commodities``: pair index of each commodity; per path its commodity (position in
    ``commodities``), legs and the sign of each traversal (+1 along u -> v)."""

    commodities: np.ndarray
    owner: list[int] = field(default_factory=list)
    legs: list[np.ndarray] = field(default_factory=list)
    signs: list[np.ndarray] = field(default_factory=list)
    seen: dict = field(default_factory=dict)
    link_rows: dict = field(default_factory=dict)  # (commodity, leg) -> None, in insertion order

    def add(self, instance: NetworkInstance, paths: list[tuple[int, list[int]]]) -> int:
        """Add (commodity, node list) paths not pooled yet; returns how many were new."""
        index = instance.leg_index.tolist()  # nested lists: cheaper to index one element at a time
        before = len(self.owner)
        for j, nodes in paths:
            key = (j, tuple(int(node) for node in nodes))
            if key in self.seen:
                continue
            pairs = list(zip(key[1][:-1], key[1][1:], strict=False))
            self.seen[key] = len(self.owner)
            self.owner.append(j)
            self.legs.append(np.array([index[a][b] for a, b in pairs], dtype=int))
            self.signs.append(np.array([1.0 if a < b else -1.0 for a, b in pairs]))
        return len(self.owner) - before


def initial_pool(instance: NetworkInstance, n_hubs: int = 6) -> PathPool:
    """Per pair with demand: the direct path and the one-stop paths via the ``n_hubs`` cities
    with the most demand (a warm start for column generation; any pool is valid)."""
    u, v, demand = instance.col("u"), instance.col("v"), instance.col("demand")
    commodities = np.flatnonzero(demand > 0)
    traffic = np.bincount(np.concatenate([u, v]), np.concatenate([demand, demand]), instance.n)
    hubs = np.argsort(-traffic, kind="stable")[:n_hubs]
    pool = PathPool(commodities)
    pool.add(instance, [(j, [u[k], v[k]]) for j, k in enumerate(commodities)])
    pool.link_rows = dict.fromkeys((j, k) for j, k in enumerate(commodities))
    pool.add(instance, [(j, [u[k], h, v[k]]) for j, k in enumerate(commodities) for h in hubs if h not in (u[k], v[k])])
    return pool


@dataclass
class Master:
    problem: cp.Problem
    z: cp.Variable
    share: cp.Variable
    cost_per_km: cp.Variable
    volume: cp.Expression
    rows: dict

    def duals(self) -> dict:
        cons = self.problem.constraints
        return {
            "pi": np.asarray(cons[0].dual_value),
            "mu": np.asarray(cons[1].dual_value),
            "big_m": np.asarray(cons[2].dual_value),
            "sigma": np.asarray(cons[-1].dual_value),
            **self.rows,
        }

    def violated_rows(self, pool: PathPool, tol: float = 1e-6) -> list:
        return violated_rows(pool, value_of(self.share), value_of(self.z), tol)


def violated_rows(pool: PathPool, share: np.ndarray, z: np.ndarray, tol: float = 1e-6) -> list:
    """(pair, leg) couples whose share of the pair exceeds z_e in an LP solution, sorted."""
    shares: dict = {}
    for j, legs, lam in zip(pool.owner, pool.legs, share, strict=False):
        if lam > tol:
            for e in legs:
                shares[(j, e)] = shares.get((j, e), 0.0) + lam
    return sorted({key for key, val in shares.items() if val > z[key[1]] + tol} - pool.link_rows.keys())


def master_matrices(instance: NetworkInstance, pool: PathPool) -> dict:
    """The master's sparse blocks over the pooled paths: ``convexity`` (pairs x paths),
    ``linking`` (tight rows x paths), ``select`` (tight rows x legs: their leg), ``load``
    (legs x paths: passengers), ``big_m``, and ``rows`` (pair, leg of each tight row)."""
    m, n_paths = instance.m, len(pool.owner)
    owner = np.asarray(pool.owner)
    path_of = np.repeat(np.arange(n_paths), [len(legs) for legs in pool.legs])
    leg_of = np.concatenate(pool.legs)
    pair_leg = np.array(list(pool.link_rows)).reshape(-1, 2)  # rows only grow at the end
    row_of = {(j, e): i for i, (j, e) in enumerate(pair_leg)}
    link_row = np.array([row_of.get((owner[p], e), -1) for p, e in zip(path_of, leg_of, strict=False)])
    tight = link_row >= 0
    load = instance.col("demand")[pool.commodities][owner[path_of]]
    return {
        "convexity": sparse.csr_matrix(
            (np.ones(n_paths), (owner, np.arange(n_paths))), shape=(len(pool.commodities), n_paths)
        ),
        "linking": sparse.csr_matrix(
            (np.ones(tight.sum()), (link_row[tight], path_of[tight])), shape=(len(pair_leg), n_paths)
        ),
        "select": sparse.csr_matrix(
            (np.ones(len(pair_leg)), (np.arange(len(pair_leg)), pair_leg[:, 1])), shape=(len(pair_leg), m)
        ),
        "load": sparse.csr_matrix((load, (leg_of, path_of)), shape=(m, n_paths)),
        "big_m": float(instance.col("demand").sum()),
        "rows": {"row_pair": pair_leg[:, 0], "row_edge": pair_leg[:, 1]},
    }


def assemble(blocks: list[tuple[int, int, sparse.spmatrix]], shape: tuple[int, int]) -> sparse.csr_matrix:
    """One CSR matrix from sparse ``blocks`` placed at (first row, first column): the same
    matrix as nested ``sparse.vstack``/``hstack`` with zero blocks between, in one conversion."""
    coo = [(r0, c0, block.tocoo()) for r0, c0, block in blocks]
    rows = np.concatenate([b.row + r0 for r0, _, b in coo] + [np.zeros(0, dtype=int)])
    cols = np.concatenate([b.col + c0 for _, c0, b in coo] + [np.zeros(0, dtype=int)])
    data = np.concatenate([b.data for _, _, b in coo] + [np.zeros(0)])
    return sparse.csr_matrix((data, (rows, cols)), shape=shape)


def build_master(instance: NetworkInstance, pool: PathPool, integer: bool) -> Master:
    """LP (``integer=False``, 0 <= z <= 1) or MIP over the pooled paths."""
    mats = master_matrices(instance, pool)
    share = cp.Variable(len(pool.owner), nonneg=True, name="lambda")
    z = cp.Variable(instance.m, boolean=True, name="z") if integer else cp.Variable(instance.m, bounds=[0, 1], name="z")
    volume = mats["load"] @ share
    constraints = [
        mats["convexity"] @ share >= 1,
        mats["linking"] @ share <= mats["select"] @ z,
        volume <= mats["big_m"] * z,
    ]
    problem, cost_per_km = leg_cost_problem(instance, z, volume, constraints)
    return Master(problem, z, share, cost_per_km, volume, mats["rows"])


def path_volume(instance: NetworkInstance, pool: PathPool, share: np.ndarray) -> np.ndarray:
    """Passengers per leg when pair k(p) sends the share ``share[p]`` of its demand along path p."""
    demand = instance.col("demand")[pool.commodities][np.asarray(pool.owner, dtype=int)]
    counts = [len(legs) for legs in pool.legs]
    return np.bincount(np.concatenate(pool.legs), np.repeat(demand * share, counts), instance.m)


def signed_flows(instance: NetworkInstance, pool: PathPool, share: np.ndarray) -> np.ndarray:
    """m x m routed passengers per pair (column), signed by leg orientation."""
    flows = np.zeros((instance.m, instance.m))
    pair = pool.commodities[np.asarray(pool.owner, dtype=int)]
    counts = [len(legs) for legs in pool.legs]
    passengers = np.repeat(instance.col("demand")[pair] * np.asarray(share, dtype=float), counts)
    np.add.at(flows, (np.concatenate(pool.legs), np.repeat(pair, counts)), np.concatenate(pool.signs) * passengers)
    return flows
