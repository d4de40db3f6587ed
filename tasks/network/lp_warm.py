"""Re-solve a growing LP from the previous optimal basis, still through cvxpy's HiGHS chain.

Column generation re-solves almost the same LP every round; from scratch each solve takes
seconds at n = 30, from the last basis it takes a few simplex pivots. cvxpy hands HiGHS only
a previous *solution* (which HiGHS cannot pivot from), so, as in ``tasks.network.solve``, we
run the chain ourselves: cvxpy canonicalises (``get_problem_data``) and unpacks the result
(values and duals); in between we pass the same matrices to HiGHS with a basis. The basis is
kept per variable and per constraint; blocks may only grow at their end (new paths enter
nonbasic at 0, new rows with their slack basic), which keeps the carried basis valid.
"""
from __future__ import annotations

import highspy
import numpy as np
import cvxpy as cp
from cvxpy import settings as s
from cvxpy.reductions.solvers.conic_solvers.conic_solver import dims_to_solver_dict

LOWER, BASIC = highspy.HighsBasisStatus.kLower, highspy.HighsBasisStatus.kBasic


def _pass_model(highs: highspy.Highs, data: dict) -> None:
    """The LP ``min c x, A x (= | <=) b, lb <= x <= ub`` of cvxpy's HiGHS data."""
    a_matrix, n_eq = data[s.A].tocsc(), dims_to_solver_dict(data[s.DIMS])[s.EQ_DIM]
    b = data[s.B]
    lower = np.concatenate([b[:n_eq], np.full(len(b) - n_eq, -highs.inf)])
    n = a_matrix.shape[1]
    lb = np.full(n, -highs.inf) if data[s.LOWER_BOUNDS] is None else data[s.LOWER_BOUNDS]
    ub = np.full(n, highs.inf) if data[s.UPPER_BOUNDS] is None else data[s.UPPER_BOUNDS]
    highs.passModel(highspy.HighsLp())
    highs.addVars(n, lb, ub)
    highs.changeColsCost(n, np.arange(n, dtype=np.int32), data[s.C])
    csr = a_matrix.tocsr()
    highs.addRows(len(b), lower, b, csr.nnz, csr.indptr[:-1].astype(np.int32),
                  csr.indices.astype(np.int32), csr.data)


def _blocks(problem: cp.Problem, data: dict) -> tuple[list, list]:
    """(variable, first column) in column order and the row count of each constraint."""
    offsets = data[s.PARAM_PROB].var_id_to_col
    variables = sorted(problem.variables(), key=lambda v: offsets[v.id])
    return [(v, offsets[v.id]) for v in variables], [c.size for c in problem.constraints]


def solve_lp_warm(problem: cp.Problem, carry: dict | None,
                  options: dict | None = None) -> tuple[float, dict]:
    """Solve the LP ``problem`` in place (values, duals) from ``carry`` (the previous call's
    basis, or None) with extra HiGHS ``options``; returns (HiGHS seconds, basis to carry).
    Raises RuntimeError unless optimal."""
    data, chain, inverse = problem.get_problem_data(cp.HIGHS)
    if dims_to_solver_dict(data[s.DIMS])[s.EQ_DIM]:
        raise ValueError("solve_lp_warm carries bases of inequality-only LPs")
    columns, row_sizes = _blocks(problem, data)
    highs = highspy.Highs()
    for name, value in {"output_flag": False, **(options or {})}.items():
        highs.setOptionValue(name, value)
    _pass_model(highs, data)
    if carry is not None:
        basis = highspy.HighsBasis()
        basis.col_status = [st for v, _ in columns for st in
                            (carry["cols"][v.name()] + [LOWER] * v.size)[:v.size]]
        basis.row_status = [st for old, size in zip(carry["rows"], row_sizes)
                            for st in (old + [BASIC] * size)[:size]]
        basis.valid = True
        highs.setBasis(basis)
    highs.run()
    status = highs.getModelStatus().name
    if status != "kOptimal":
        raise RuntimeError(f"column-generation LP ended with HiGHS status {status}")
    raw = {"solution": highs.getSolution(), "info": highs.getInfo(), "model_status": status,
           "run_time": highs.getRunTime()}
    problem.unpack_results(raw, chain, inverse)
    got = highs.getBasis()
    cols, rows = list(got.col_status), list(got.row_status)
    ends = np.cumsum(row_sizes)
    return raw["run_time"], {"cols": {v.name(): cols[o:o + v.size] for v, o in columns},
                             "rows": [rows[e - size:e] for e, size in zip(ends, row_sizes)]}
