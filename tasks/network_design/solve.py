"""Solve a built formulation with HiGHS through cvxpy and report status, objective, bound, gap.

cvxpy exposes HiGHS's ``HighsInfo`` as ``solver_stats.extra_stats`` (``mip_dual_bound``,
``mip_gap``, ``primal_solution_status``) but maps a time-limited solve without incumbent to
a status with no values. So we run the solving chain ourselves (``get_problem_data`` ->
``solve_via_data`` -> ``unpack_results``): that gives the solver-level model size and lets us
look at the raw result before cvxpy unpacks it. When every variable already has a value,
that point is handed to HiGHS as a MIP start through cvxpy's own warm-start path (the
solver cache it reads a previous solution from), so a time-limited solve keeps an incumbent.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import cvxpy as cp
import highspy
import numpy as np
from cvxpy.settings import PARAM_PROB

FEASIBLE = 2  # HiGHS kSolutionStatusFeasible
STATUS = {
    "kOptimal": "optimal",
    "kTimeLimit": "time_limit",
    "kIterationLimit": "iteration_limit",
    "kSolutionLimit": "solution_limit",
    "kInterrupt": "interrupted",
    "kObjectiveTarget": "objective_target",
}


class SolveError(RuntimeError):
    """The MIP is infeasible, unbounded, failed, or stopped without any incumbent."""


@dataclass(frozen=True)
class SolveStats:
    """``status`` is 'optimal' (within ``mip_gap``) or the limit hit; seconds are HiGHS's own
    (``solve_seconds``) and canonicalisation + solve (``wall_seconds``)."""

    status: str
    objective: float
    bound: float
    gap: float
    solve_seconds: float
    wall_seconds: float
    n_variables: int
    n_constraints: int

    @property
    def hit_limit(self) -> bool:
        return self.status != "optimal"


def _relative_gap(objective: float, bound: float) -> float:
    """(objective - bound) / |objective|, HiGHS's definition; inf while there is no bound."""
    return max(0.0, objective - bound) / max(abs(objective), 1e-9)


def _offer_start(problem: cp.Problem, data: dict) -> bool:
    """Put the variables' current values where cvxpy's HiGHS warm start looks; False if unset."""
    variables = problem.variables()
    if any(v.value is None for v in variables):
        return False
    start = highspy.HighsSolution()
    start.col_value = list(data[PARAM_PROB].split_adjoint({v.id: v.value for v in variables}))
    start.value_valid = True
    problem._solver_cache[cp.HIGHS] = (None, None, {"model_status": "kOptimal", "solution": start})
    return True


def solve_problem(
    problem: cp.Problem,
    time_limit_s: float = 60.0,
    mip_gap: float = 0.01,
    seed: int = 0,
    verbose: bool = False,
    highs_options: dict | None = None,
) -> SolveStats:
    """Solve in place (variables get values); raise SolveError unless an incumbent exists.

    ``highs_options`` are extra HiGHS options (e.g. ``{"mip_lp_solver": "ipm"}``)."""
    start = time.perf_counter()
    data, chain, inverse = problem.get_problem_data(cp.HIGHS)
    options = {
        "time_limit": float(time_limit_s),
        "mip_rel_gap": float(mip_gap),
        "random_seed": int(seed),
        "output_flag": bool(verbose),
        **(highs_options or {}),
    }
    warm = _offer_start(problem, data)
    raw = chain.solve_via_data(problem, data, warm, verbose, options)
    info, model_status = raw["info"], raw["model_status"]
    if model_status not in STATUS:
        raise SolveError(
            f"HiGHS ended with {model_status}: the network MIP is "
            f"{'infeasible or unbounded' if 'Unbounded' in model_status or 'Infeasible' in model_status else 'not solved'}"
        )
    if info.primal_solution_status != FEASIBLE:
        raise SolveError(
            f"HiGHS stopped ({model_status}) after {raw['run_time']:.1f}s without "
            f"an incumbent; best bound {info.mip_dual_bound:.6g}"
        )
    with warnings.catch_warnings():  # cvxpy warns "inaccurate" on limits; we flag them ourselves
        warnings.simplefilter("ignore", UserWarning)
        problem.unpack_results(raw, chain, inverse)
    objective = float(problem.value)
    offset = objective - info.objective_function_value
    bound = (
        info.mip_dual_bound + offset
        if np.isfinite(info.mip_dual_bound)
        else (objective if model_status == "kOptimal" else -np.inf)
    )  # no bound yet: gap is inf
    return SolveStats(
        STATUS[model_status],
        objective,
        float(bound),
        _relative_gap(objective, bound),
        float(raw["run_time"]),
        time.perf_counter() - start,
        int(data["c"].shape[0]),
        int(data["A"].shape[0]),
    )
