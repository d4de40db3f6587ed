"""Price-and-branch pieces: path pool, LP rounding, and the column-generation bound."""

from __future__ import annotations

import time

import cvxpy as cp
import numpy as np
import pytest

from tasks.network_design.design import optimise_network
from tasks.network_design.instance import build_instance
from tasks.network_design.lp_warm import GrowingLp
from tasks.network_design.paths import generate_columns, mip_start, price_paths
from tasks.network_design.paths_lp import stacked_arrays
from tasks.network_design.paths_master import build_master, initial_pool, path_volume
from tasks.network_design.paths_mip import build_stacked_mip
from tasks.network_design.rounding import network_cost, round_relaxation, route_shortest
from tasks.network_design.sources import gravity_demand, random_cities


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
    exact = optimise_network(inst, "multicommodity", mip_gap=1e-7).stats.objective
    pool = initial_pool(inst, n_hubs=0)
    bound, _, x, _ = generate_columns(inst, pool, deadline=time.perf_counter() + 30, rel_tol=1e-9)
    assert 0 < bound <= exact * (1 + 1e-7)
    # converged: the bound meets the last LP's value (its duals price nothing more in), and stays
    # below the LP over the final pool (which may hold tight rows that last LP violated)
    value = float(inst.col("distance_km") @ x[inst.m : 2 * inst.m])
    cold = build_master(inst, pool, integer=False)
    cold.problem.solve(solver=cp.HIGHS)
    assert value * (1 - 1e-8) <= bound <= cold.problem.value * (1 + 1e-9)
    assert len(pool.owner) > int((inst.col("demand") > 0).sum())  # paths were priced in


def test_growing_lp_matches_a_cold_cvxpy_solve_of_the_master_as_the_pool_grows(inst):
    pool = initial_pool(inst, n_hubs=0)
    lp = GrowingLp(inst, pool)
    for _ in range(4):  # paths and tight rows appended in place, re-solved from HiGHS's basis
        _, got = lp.solve()
        cold = build_master(inst, pool, integer=False)
        cold.problem.solve(solver=cp.HIGHS)
        assert got["value"] == pytest.approx(cold.problem.value, rel=1e-9)
        arrays = stacked_arrays(inst, pool)  # the LP as built from scratch: x feasible in it
        assert got["x"].shape == arrays["cost"].shape
        assert np.max(arrays["A"] @ got["x"] - arrays["b"]) <= 1e-7
        duals = got["duals"]
        assert duals["pi"].shape == (len(pool.commodities),) and np.all(duals["mu"] >= -1e-9)
        assert len(duals["mu"]) == len(pool.link_rows) == len(duals["row_pair"])
        new, _ = price_paths(inst, pool, duals)
        pool.link_rows.update(dict.fromkeys(cold.violated_rows(pool)))
        pool.add(inst, new)


def test_lp_dive_gives_a_feasible_network_and_restores_the_lp(inst):
    pool = initial_pool(inst, n_hubs=2)
    bound, _, x, lp = generate_columns(inst, pool, deadline=time.perf_counter() + 30, rel_tol=1e-9)
    dived = lp.dive(x, deadline=time.perf_counter() + 30)
    assert dived is not None
    z = dived[: inst.m]
    assert np.all(np.minimum(z, 1 - z) <= 1e-6)  # integral legs
    share = dived[2 * inst.m :]
    served = np.bincount(pool.owner[: len(share)], share, len(pool.commodities))
    assert np.all(served >= 1 - 1e-7)  # every pair fully routed over the pool
    volume = path_volume(inst, pool, np.concatenate([share, np.zeros(len(pool.owner) - len(share))]))
    assert np.all(volume[z < 0.5] <= 1e-6)  # only over the legs it opened
    _, again = lp.solve()  # the dive's bounds are gone: the LP of the pool again
    cold = build_master(inst, pool, integer=False)
    cold.problem.solve(solver=cp.HIGHS)
    assert again["value"] == pytest.approx(cold.problem.value, rel=1e-9)
    share, cost = mip_start(inst, pool, lp, x, target=np.inf, deadline=time.perf_counter() + 30)
    assert len(share) == len(pool.owner) and cost >= bound * (1 - 1e-9)


def test_block_pricing_matches_one_dijkstra_per_pair(inst):
    rng = np.random.default_rng(3)
    pool = initial_pool(inst, n_hubs=2)
    k_all, n_rows = pool.commodities, 12
    duals = {
        "sigma": rng.uniform(0, 2, inst.m),
        "big_m": rng.uniform(0, 1e-3, inst.m),
        "pi": rng.uniform(0, 5e4, len(k_all)),
        "mu": rng.uniform(0, 1e3, n_rows),
        "row_pair": rng.integers(0, len(k_all), n_rows),
        "row_edge": rng.integers(0, inst.m, n_rows),
    }
    new, reduced = price_paths(inst, pool, duals, block=4)  # several blocks, the last one short
    u, v, demand = inst.col("u"), inst.col("v"), inst.col("demand")
    for j, k in enumerate(k_all):
        w = demand[k] * (duals["sigma"] + duals["big_m"])
        w = w + np.bincount(duals["row_edge"][duals["row_pair"] == j], duals["mu"][duals["row_pair"] == j], inst.m)
        graph = np.full((inst.n, inst.n), np.inf)
        graph[u, v] = graph[v, u] = w
        dist = [0.0 if i == u[k] else np.inf for i in range(inst.n)]
        for _ in range(inst.n):  # Bellman-Ford as an independent reference
            dist = np.minimum(dist, (np.asarray(dist)[:, None] + graph).min(axis=0))
            dist[u[k]] = 0.0
        assert reduced[j] == pytest.approx(dist[v[k]] - duals["pi"][j], rel=1e-6, abs=1e-3)
    assert {j for j, _ in new} == set(np.flatnonzero(reduced < -1e-7 * np.maximum(1.0, duals["pi"])))


def test_stacked_mip_compiles_to_the_master_mip_and_solves_to_its_optimum(inst):
    from cvxpy import settings as s

    pool = initial_pool(inst, n_hubs=2)
    pool.link_rows.update({(1, 4): None, (3, 0): None})
    master, stacked = build_master(inst, pool, integer=True), build_stacked_mip(inst, pool)
    want, got = (p.get_problem_data(cp.HIGHS)[0] for p in (master.problem, stacked.problem))
    for key in (s.C, s.B, s.LOWER_BOUNDS):
        np.testing.assert_array_equal(got[key], want[key])
    assert (got[s.A] != want[s.A]).nnz == 0 and got[s.BOOL_IDX] == want[s.BOOL_IDX]
    direct = np.isin(
        np.arange(len(pool.owner)),
        [pool.seen[(j, (inst.col("u")[k], inst.col("v")[k]))] for j, k in enumerate(pool.commodities)],
    )
    stacked.start_from(inst, direct.astype(float))  # all-direct start: feasible, its known cost
    assert np.max(stacked.problem.constraints[0].violation()) <= 1e-9
    routes = [[u, v] for u, v in zip(inst.col("u"), inst.col("v"), strict=False)]
    assert stacked.problem.objective.value == pytest.approx(network_cost(inst, routes), rel=1e-12)
    master.problem.solve(solver=cp.HIGHS, mip_rel_gap=0)
    stacked.problem.solve(solver=cp.HIGHS, mip_rel_gap=0)
    assert stacked.problem.value == pytest.approx(master.problem.value, rel=1e-9)
