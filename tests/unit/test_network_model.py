"""The two formulations: same optimum, the checks hold, limits and failures are explicit."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest

from tasks.network_design.design import NetworkDesign, optimise_network
from tasks.network_design.instance import build_instance
from tasks.network_design.solve import SolveError, solve_problem
from tasks.network_design.sources import gravity_demand, load_us_cities, random_cities
from tasks.network_design.verify import SolutionCheckError, check_design

EXACT = 1e-7  # mip_rel_gap for the equivalence proof


def instance(n: int, seed: int, threshold: float, total: int = 1_000):
    cities = random_cities(n, seed)
    return build_instance(cities, gravity_demand(cities, total), threshold)


@pytest.mark.parametrize("n,seed,threshold", [(4, 0, 50), (5, 1, 20), (5, 2, 200), (6, 3, 80), (6, 4, 5)])
def test_multicommodity_reaches_the_article_optimum(n, seed, threshold):
    inst = instance(n, seed, threshold)
    article = optimise_network(inst, "article", time_limit_s=30, mip_gap=EXACT, direct_start=False)
    ours = optimise_network(inst, "multicommodity", time_limit_s=30, mip_gap=EXACT, direct_start=False)
    paths = optimise_network(inst, "paths", time_limit_s=30, mip_gap=EXACT)
    assert article.stats.status == ours.stats.status == "optimal"
    assert ours.stats.objective == pytest.approx(article.stats.objective, rel=1e-6)
    # price-and-branch: its bound is the full LP bound and its incumbent a feasible network,
    # so the article's optimum lies between them and within the reported gap
    best = article.stats.objective
    assert paths.stats.bound <= best * (1 + 1e-6) and paths.stats.objective >= best * (1 - 1e-6)
    assert paths.stats.objective - best <= paths.stats.gap * paths.stats.objective + 1e-6 * best
    check_design(article), check_design(ours), check_design(paths)


@pytest.mark.parametrize("formulation", ["article", "multicommodity", "paths"])
def test_threshold_zero_flies_every_pair_direct(formulation):
    inst = instance(5, 7, threshold=0)
    design = optimise_network(inst, formulation, mip_gap=EXACT)
    np.testing.assert_allclose(design.volume, inst.col("demand"), atol=1e-6)
    residuals = check_design(design)
    assert residuals["direct_error"] < 1e-6 and residuals["conservation_residual"] < 1e-6


@pytest.mark.parametrize("formulation", ["multicommodity", "paths"])
def test_high_threshold_builds_a_sparse_connected_hub_network(formulation):
    inst = instance(6, 5, threshold=1_000)
    design = optimise_network(inst, formulation, mip_gap=EXACT)
    residuals = check_design(design)
    assert residuals["undelivered"] < 1e-6 and residuals["extra_components"] == 0
    assert design.open_legs.sum() == inst.n - 1  # fixed costs dominate: a spanning tree
    assert design.volume.sum() > inst.col("demand").sum()  # some passengers connect


def test_checks_catch_lost_demand_and_broken_connectivity():
    design = optimise_network(instance(5, 8, threshold=30), "multicommodity", mip_gap=EXACT)
    lost = NetworkDesign(
        design.instance, design.formulation, design.stats, design.open_legs, design.volume, design.flows * 0.5
    )
    with pytest.raises(SolutionCheckError, match="undelivered"):
        check_design(lost)
    cut = NetworkDesign(
        design.instance, design.formulation, design.stats, np.zeros_like(design.open_legs), design.volume, design.flows
    )
    with pytest.raises(SolutionCheckError, match="extra_components"):
        check_design(cut)


def test_time_limit_returns_flagged_incumbent_with_bound_and_gap():
    cities = load_us_cities(10)
    inst = build_instance(cities, gravity_demand(cities), threshold=50)
    design = optimise_network(inst, "article", time_limit_s=0.05, mip_gap=EXACT)
    stats = design.stats
    assert stats.status == "time_limit" and stats.hit_limit
    assert np.isfinite(stats.objective) and stats.bound < stats.objective and stats.gap > 0
    check_design(design)  # the incumbent is a valid network


def test_infeasible_and_unknown_inputs_are_clear_errors():
    x = cp.Variable(2, boolean=True)
    with pytest.raises(SolveError, match="infeasible"):
        solve_problem(cp.Problem(cp.Minimize(cp.sum(x)), [cp.sum(x) >= 3]), time_limit_s=5)
    with pytest.raises(ValueError, match="unknown formulation"):
        optimise_network(instance(4, 0, 10), "magic")
