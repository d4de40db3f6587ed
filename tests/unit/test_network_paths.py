"""Price-and-branch pieces: path pool, LP rounding, and the column-generation bound."""
from __future__ import annotations

import time

import cvxpy as cp
import numpy as np
import pytest

from tasks.network.design import design_network
from tasks.network.generate import gravity_demand, random_cities
from tasks.network.instance import build_instance
from tasks.network.lp_warm import solve_arrays_warm, solve_lp_warm
from tasks.network.paths import generate_columns, price_paths
from tasks.network.paths_lp import build_stacked_lp, split_duals, stacked_arrays
from tasks.network.paths_master import build_master, initial_pool
from tasks.network.paths_mip import build_stacked_mip
from tasks.network.rounding import network_cost, round_relaxation, route_shortest


@pytest.fixture()
def inst():
    cities = random_cities(6, seed=11)
    return build_instance(cities, gravity_demand(cities, 1_000), threshold=200)


def test_rounding_all_open_flies_direct_and_a_star_routes_via_its_hub(inst):
    direct = route_shortest(inst, np.ones(inst.m, dtype=bool))
    assert all(len(r) == 2 for r in direct)
    star = (inst.col("u") == 0) | (inst.col("v") == 0)
    routes = route_shortest(inst, star)
    assert all(r[0] == 0 or r[-1] == 0 or r[1:-1] == [0] for r in routes)
    assert route_shortest(inst, np.zeros(inst.m, dtype=bool)) is None
    assert network_cost(inst, round_relaxation(inst, star.astype(float))) <= network_cost(inst, direct)


def test_column_generation_bound_is_below_the_exact_optimum(inst):
    exact = design_network(inst, "multicommodity", mip_gap=1e-7).stats.objective
    pool = initial_pool(inst, n_hubs=0)
    bound, _, z = generate_columns(inst, pool, deadline=time.perf_counter() + 30, rel_tol=1e-9)
    assert 0 < bound <= exact * (1 + 1e-7) and z.shape == (inst.m,)
    assert len(pool.owner) > int((inst.col("demand") > 0).sum())  # paths were priced in


def test_warm_started_lp_matches_a_cold_cvxpy_solve_as_the_pool_grows(inst):
    pool = initial_pool(inst, n_hubs=0)
    carry = None
    for _ in range(3):  # grow paths and rows, re-solving from the carried basis
        master = build_master(inst, pool, integer=False)
        _, carry = solve_lp_warm(master.problem, carry)
        warm, duals = master.problem.value, master.duals()
        cold = build_master(inst, pool, integer=False)
        cold.problem.solve(solver=cp.HIGHS)
        assert warm == pytest.approx(cold.problem.value, rel=1e-7)
        assert duals["pi"].shape == (len(pool.commodities),) and np.all(duals["mu"] >= -1e-9)
        new, _ = price_paths(inst, pool, duals)
        pool.link_rows.update(dict.fromkeys(master.violated_rows(pool)))
        pool.add(inst, new)


def test_block_pricing_matches_one_dijkstra_per_pair(inst):
    rng = np.random.default_rng(3)
    pool = initial_pool(inst, n_hubs=2)
    k_all, n_rows = pool.commodities, 12
    duals = {"sigma": rng.uniform(0, 2, inst.m), "big_m": rng.uniform(0, 1e-3, inst.m),
             "pi": rng.uniform(0, 5e4, len(k_all)), "mu": rng.uniform(0, 1e3, n_rows),
             "row_pair": rng.integers(0, len(k_all), n_rows), "row_edge": rng.integers(0, inst.m, n_rows)}
    new, reduced = price_paths(inst, pool, duals, block=4)  # several blocks, the last one short
    u, v, demand = inst.col("u"), inst.col("v"), inst.col("demand")
    for j, k in enumerate(k_all):
        w = demand[k] * (duals["sigma"] + duals["big_m"])
        w = w + np.bincount(duals["row_edge"][duals["row_pair"] == j],
                            duals["mu"][duals["row_pair"] == j], inst.m)
        graph = np.full((inst.n, inst.n), np.inf)
        graph[u, v] = graph[v, u] = w
        dist = [0.0 if i == u[k] else np.inf for i in range(inst.n)]
        for _ in range(inst.n):  # Bellman-Ford as an independent reference
            dist = np.minimum(dist, (np.asarray(dist)[:, None] + graph).min(axis=0))
            dist[u[k]] = 0.0
        assert reduced[j] == pytest.approx(dist[v[k]] - duals["pi"][j], rel=1e-6, abs=1e-3)
    assert {j for j, _ in new} == set(np.flatnonzero(reduced < -1e-7 * np.maximum(1.0, duals["pi"])))


def test_stacked_lp_has_the_master_lp_value_and_duals(inst):
    pool = initial_pool(inst, n_hubs=2)
    stacked, master = build_stacked_lp(inst, pool), build_master(inst, pool, integer=False)
    stacked.problem.solve(solver=cp.HIGHS)
    master.problem.solve(solver=cp.HIGHS)
    assert stacked.problem.value == pytest.approx(master.problem.value, rel=1e-9)
    # same reduced costs: the duals price every pair's best path identically
    np.testing.assert_allclose(price_paths(inst, pool, stacked.duals())[1],
                               price_paths(inst, pool, master.duals())[1], rtol=1e-6, atol=1e-3)


def test_direct_highs_lp_gives_the_cvxpy_warm_lp_bit_for_bit_as_the_pool_grows(inst):
    pool = initial_pool(inst, n_hubs=0)
    carry, basis = None, None
    for _ in range(3):
        stacked, lp = build_stacked_lp(inst, pool), stacked_arrays(inst, pool)
        _, carry = solve_lp_warm(stacked.problem, carry)
        _, got = solve_arrays_warm(lp, basis)
        basis = got["basis"]
        assert got["value"] == stacked.problem.value and np.array_equal(got["x"], stacked.x.value)
        duals = split_duals(got["y"], lp["n_pairs"], inst.m, lp["rows"])
        for name, value in stacked.duals().items():
            np.testing.assert_array_equal(duals[name], value)
        new, _ = price_paths(inst, pool, duals)
        pool.link_rows.update(dict.fromkeys(stacked.violated_rows(pool)))
        pool.add(inst, new)


def test_stacked_mip_compiles_to_the_master_mip_and_solves_to_its_optimum(inst):
    from cvxpy import settings as s

    pool = initial_pool(inst, n_hubs=2)
    pool.link_rows.update({(1, 4): None, (3, 0): None})
    master, stacked = build_master(inst, pool, integer=True), build_stacked_mip(inst, pool)
    want, got = (p.get_problem_data(cp.HIGHS)[0] for p in (master.problem, stacked.problem))
    for key in (s.C, s.B, s.LOWER_BOUNDS):
        np.testing.assert_array_equal(got[key], want[key])
    assert (got[s.A] != want[s.A]).nnz == 0 and got[s.BOOL_IDX] == want[s.BOOL_IDX]
    direct = np.isin(np.arange(len(pool.owner)), [pool.seen[(j, (inst.col("u")[k], inst.col("v")[k]))]
                                                  for j, k in enumerate(pool.commodities)])
    stacked.start_from(inst, direct.astype(float))  # all-direct start: feasible, its known cost
    assert np.max(stacked.problem.constraints[0].violation()) <= 1e-9
    routes = [[u, v] for u, v in zip(inst.col("u"), inst.col("v"))]
    assert stacked.problem.objective.value == pytest.approx(network_cost(inst, routes), rel=1e-12)
    master.problem.solve(solver=cp.HIGHS, mip_rel_gap=0)
    stacked.problem.solve(solver=cp.HIGHS, mip_rel_gap=0)
    assert stacked.problem.value == pytest.approx(master.problem.value, rel=1e-9)
