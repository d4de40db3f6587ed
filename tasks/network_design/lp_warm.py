"""The column-generation LP kept in one HiGHS instance that grows between rounds.

Column generation re-solves almost the same LP every round: from scratch each solve takes
seconds at n = 30, from the last basis a few simplex pivots. The LP is loaded once, as the
LP of ``tasks.network_design.paths_lp.stacked_arrays`` (a test checks its value against cvxpy's
solve of the master LP, ``build_master(..., integer=False)``); afterwards new paths are appended as
columns and new tight linking rows as rows, and HiGHS re-solves from the basis it holds (new
columns enter nonbasic at 0, new rows with their slack basic, so the basis stays valid).
Nothing is rebuilt or re-passed per round.

Columns ``[z (m), cost_per_km (m), lambda (paths)]``; rows ``[convexity (pairs), big M (m),
min cost (m), per-passenger cost (m), tight linking (rows so far)]``, all ``<=``.
"""

from __future__ import annotations

import time

import highspy
import numpy as np

from tasks.network_design.instance import NetworkInstance
from tasks.network_design.paths_lp import split_duals, stacked_arrays
from tasks.network_design.paths_master import PathPool


def _new_highs(options: dict | None) -> highspy.Highs:
    highs = highspy.Highs()
    for name, value in {"output_flag": False, **(options or {})}.items():
        highs.setOptionValue(name, value)
    return highs


def _load(
    highs: highspy.Highs,
    a_matrix,
    lower: np.ndarray,
    upper: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    cost: np.ndarray,
) -> None:
    """``min cost x, lower <= A x <= upper, lb <= x <= ub`` into ``highs``, rows as CSR."""
    csr, n = a_matrix.tocsc().tocsr(), a_matrix.shape[1]
    highs.passModel(highspy.HighsLp())
    highs.addVars(n, lb, ub)
    highs.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
    highs.addRows(
        len(upper), lower, upper, csr.nnz, csr.indptr[:-1].astype(np.int32), csr.indices.astype(np.int32), csr.data
    )


# HiGHS options of the column-generation LP. Unscaled simplex: measured on the US cities (n = 40,
# minimum cost 50 x distance) the LP bound is within 0.3% of the LP value after 24 s instead of
# 1.2% after 29 s with HiGHS's default scaling (the LP is very degenerate; the duals it ends on,
# which price the next paths, differ), and n = 30 converges in 3.2 s instead of 4.6 s.
LP_OPTIONS = {"simplex_scale_strategy": 0}


class GrowingLp:
    """The LP over ``pool``'s paths and tight rows; :meth:`solve` first appends what the pool
    gained since the last call (paths and rows may only be appended to the pool)."""

    def __init__(self, instance: NetworkInstance, pool: PathPool, options: dict | None = None):
        lp = stacked_arrays(instance, pool)
        self.instance, self.pool, self.m, self.n_pairs = instance, pool, instance.m, lp["n_pairs"]
        self.highs = _new_highs({**LP_OPTIONS, **(options or {})})
        _load(
            self.highs,
            lp["A"],
            np.full(len(lp["b"]), -self.highs.inf),
            lp["b"],
            np.zeros(len(lp["cost"])),
            lp["upper"],
            lp["cost"],
        )
        self.n_paths, self.rows = len(pool.owner), list(pool.link_rows)
        self.row_of = {key: i for i, key in enumerate(self.rows)}
        self.through: dict = {}  # (commodity, leg) -> pooled paths of that commodity over that leg
        for p in range(self.n_paths):
            self._index_path(p)

    def _index_path(self, p: int) -> None:
        for e in self.pool.legs[p]:
            self.through.setdefault((self.pool.owner[p], int(e)), []).append(p)

    def _append_paths(self) -> None:
        pool, m, k = self.pool, self.m, self.n_pairs
        new = range(self.n_paths, len(pool.owner))
        if not new:
            return
        demand = self.instance.col("demand")[pool.commodities]
        starts: list[int] = []
        indices: list[int] = []
        values: list[float] = []
        for p in new:
            j, legs = pool.owner[p], np.asarray(pool.legs[p], dtype=int)
            tight = [k + 3 * m + self.row_of[(j, int(e))] for e in legs if (j, int(e)) in self.row_of]
            starts.append(len(indices))
            indices += [j, *(k + legs), *(k + 2 * m + legs), *tight]
            values += [
                -1.0,
                *([demand[j]] * len(legs)),
                *([self.instance.pax_cost_per_km * demand[j]] * len(legs)),
                *([1.0] * len(tight)),
            ]
            self._index_path(p)
        count = len(new)
        self.highs.addCols(
            count,
            np.zeros(count),
            np.zeros(count),
            np.full(count, self.highs.inf),
            len(indices),
            np.asarray(starts, dtype=np.int32),
            np.asarray(indices, dtype=np.int32),
            np.asarray(values, dtype=np.float64),
        )
        self.n_paths = len(pool.owner)

    def _append_rows(self) -> None:
        new = list(self.pool.link_rows)[len(self.rows) :]
        if not new:
            return
        starts: list[int] = []
        indices: list[int] = []
        for j, e in new:
            self.row_of[(j, e)] = len(self.rows)
            self.rows.append((j, e))
            starts.append(len(indices))
            indices += [e, *(2 * self.m + p for p in self.through.get((j, int(e)), []))]
        values = np.ones(len(indices))
        values[np.asarray(starts)] = -1.0  # -z_e + sum of the pair's shares through e <= 0
        self.highs.addRows(
            len(new),
            np.full(len(new), -self.highs.inf),
            np.zeros(len(new)),
            len(indices),
            np.asarray(starts, dtype=np.int32),
            np.asarray(indices, dtype=np.int32),
            values,
        )

    def _sync(self) -> None:
        """Append the paths and tight rows the pool gained since the last call."""
        self._append_paths()
        self._append_rows()

    def _x(self, solution: highspy.HighsSolution) -> np.ndarray:
        """The column values projected into their bounds (0 <= z <= 1, the rest >= 0), as cvxpy does."""
        x = np.maximum(np.array(solution.col_value), 0.0)
        x[: self.m] = np.minimum(x[: self.m], 1.0)
        return x

    def solve(self) -> tuple[float, dict]:
        """Append the pool's new paths and rows and re-solve from the current basis. Returns
        (HiGHS seconds, result): ``x`` (projected into its bounds), ``value`` (cost @ x), the
        row duals split as ``tasks.network_design.paths_lp.split_duals`` does. Raises RuntimeError unless optimal."""
        self._sync()
        start = time.perf_counter()
        self.highs.run()
        seconds = time.perf_counter() - start
        status = self.highs.getModelStatus().name
        if status != "kOptimal":
            raise RuntimeError(f"column-generation LP ended with HiGHS status {status}")
        solution = self.highs.getSolution()
        x = self._x(solution)
        rows = np.array(self.rows, dtype=int).reshape(-1, 2)
        duals = split_duals(
            -np.array(solution.row_dual), self.n_pairs, self.m, {"row_pair": rows[:, 0], "row_edge": rows[:, 1]}
        )
        cost = self.instance.col("distance_km")
        return seconds, {"value": float(cost @ x[self.m : 2 * self.m]), "x": x, "duals": duals}

    def dive(self, x: np.ndarray, deadline: float, max_rounds: int = 30, tol: float = 1e-6) -> np.ndarray | None:
        """LP diving from the LP solution ``x``: fix every fractional z_e >= 0.5 to 1 (or, when
        there is none, the smallest fractional one to 0), re-solve from the current basis, repeat
        until z is integral, ``max_rounds`` or ``deadline``. Returns the last LP solution (its
        shares route every pair over the pool: a feasible network, used as the MIP start) or None
        when fixing made the LP infeasible. The z bounds are restored afterwards."""
        m, columns = self.m, np.arange(self.m, dtype=np.int32)
        lower, upper = np.zeros(m), np.ones(m)
        self._sync()
        try:
            for _ in range(max_rounds):
                z = x[:m]
                fractional = (z > tol) & (z < 1 - tol)
                if not fractional.any() or time.perf_counter() > deadline:
                    break
                if (up := fractional & (z >= 0.5)).any():
                    lower[up] = 1.0
                else:
                    upper[np.flatnonzero(fractional)[np.argmin(z[fractional])]] = 0.0
                self.highs.changeColsBounds(m, columns, lower, upper)
                self.highs.run()
                if self.highs.getModelStatus().name != "kOptimal":
                    return None
                x = self._x(self.highs.getSolution())
            return x
        finally:
            self.highs.changeColsBounds(m, columns, np.zeros(m), np.ones(m))
