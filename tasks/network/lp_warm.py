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
    b, n_eq, n = data[s.B], dims_to_solver_dict(data[s.DIMS])[s.EQ_DIM], data[s.A].shape[1]
    lower = np.concatenate([b[:n_eq], np.full(len(b) - n_eq, -highs.inf)])
    lb = np.full(n, -highs.inf) if data[s.LOWER_BOUNDS] is None else data[s.LOWER_BOUNDS]
    ub = np.full(n, highs.inf) if data[s.UPPER_BOUNDS] is None else data[s.UPPER_BOUNDS]
    _load(highs, data[s.A], lower, b, lb, ub, data[s.C])


def _load(highs: highspy.Highs, a_matrix, lower: np.ndarray, upper: np.ndarray,
          lb: np.ndarray, ub: np.ndarray, cost: np.ndarray) -> None:
    """``min cost x, lower <= A x <= upper, lb <= x <= ub`` into ``highs``, rows as CSR."""
    csr, n = a_matrix.tocsc().tocsr(), a_matrix.shape[1]
    highs.passModel(highspy.HighsLp())
    highs.addVars(n, lb, ub)
    highs.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
    highs.addRows(len(upper), lower, upper, csr.nnz, csr.indptr[:-1].astype(np.int32),
                  csr.indices.astype(np.int32), csr.data)


def _new_highs(options: dict | None) -> highspy.Highs:
    highs = highspy.Highs()
    for name, value in {"output_flag": False, **(options or {})}.items():
        highs.setOptionValue(name, value)
    return highs


def _run(highs: highspy.Highs, col_status: list | None, row_status: list | None) -> str:
    """Run from the given basis (none: from scratch); the model status, raising unless optimal."""
    if col_status is not None:
        basis = highspy.HighsBasis()
        basis.col_status, basis.row_status, basis.valid = col_status, row_status, True
        highs.setBasis(basis)
    highs.run()
    status = highs.getModelStatus().name
    if status != "kOptimal":
        raise RuntimeError(f"column-generation LP ended with HiGHS status {status}")
    return status


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
    highs = _new_highs(options)
    _pass_model(highs, data)
    cols = None if carry is None else [st for v, _ in columns for st in
                                       (carry["cols"][v.name()] + [LOWER] * v.size)[:v.size]]
    rows = None if carry is None else [st for old, size in zip(carry["rows"], row_sizes)
                                       for st in (old + [BASIC] * size)[:size]]
    status = _run(highs, cols, rows)
    raw = {"solution": highs.getSolution(), "info": highs.getInfo(), "model_status": status,
           "run_time": highs.getRunTime()}
    problem.unpack_results(raw, chain, inverse)
    got = highs.getBasis()
    cols, rows = list(got.col_status), list(got.row_status)
    ends = np.cumsum(row_sizes)
    return raw["run_time"], {"cols": {v.name(): cols[o:o + v.size] for v, o in columns},
                             "rows": [rows[e - size:e] for e, size in zip(ends, row_sizes)]}


def solve_arrays_warm(lp: dict, carry: dict | None, options: dict | None = None) -> tuple[float, dict]:
    """Solve ``min cost x, A x <= b, 0 <= x <= upper`` (``lp`` as from
    ``tasks.network.paths_lp.stacked_arrays``) from ``carry``'s basis, skipping cvxpy: the
    same HiGHS model cvxpy would pass for that LP. Returns (HiGHS seconds, result) with
    ``x`` (projected into its bounds) and ``value`` (cost @ x) as cvxpy unpacks them, ``y``
    (row duals, >= 0 as cvxpy reports them) and ``basis``, the next call's carry; columns and
    rows may only have grown at their end since ``carry``. Raises RuntimeError unless optimal."""
    highs, b, n = _new_highs(options), lp["b"], len(lp["cost"])
    _load(highs, lp["A"], np.full(len(b), -highs.inf), b, np.zeros(n), lp["upper"], lp["cost"])
    _run(highs, None if carry is None else (carry["cols"] + [LOWER] * n)[:n],
         None if carry is None else (carry["rows"] + [BASIC] * len(b))[:len(b)])
    solution, got = highs.getSolution(), highs.getBasis()
    x = np.clip(np.array(solution.col_value), 0.0, lp["upper"])  # as cvxpy projects into bounds
    return highs.getRunTime(), {
        "value": float(lp["cost"] @ x), "x": x, "y": -np.array(solution.row_dual),
        "basis": {"cols": list(got.col_status), "rows": list(got.row_status)}}
