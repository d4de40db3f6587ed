"""Path-based multicommodity formulation solved by price-and-branch (``formulation="paths"``).

The same model as ``multicommodity`` (per-pair flows, tight linking ``flow_k,e <= z_e``),
written over paths: lambda_p is the share of pair k(p) on path p. Its LP relaxation is
solved by column and row generation: shortest paths under the duals (sigma: leg volume
rows, mu: tight linking rows, nu: big-M rows, pi: one per pair) price new paths in, and
tight rows the LP violates are added. Each round's LP (over the pooled paths, with the
tight rows found so far) is a relaxation of the full per-pair LP; its value + the sum of
each pair's most negative reduced cost (each pair ships one unit) bounds that relaxation
over *all* paths from below, hence the full LP and the MIP too: a valid lower bound at every
round, converging to the full per-pair LP bound. The MIP is then solved over the pooled
paths, started from the better of an LP dive and a rounding of the last LP
(tasks.network_design.rounding); its incumbent is a feasible network, and the gap is measured
against that bound (status 'gap_limit' when that gap exceeds mip_gap).
Speed: the LP is loaded into HiGHS once, as the very model cvxpy would pass it
(tasks.network_design.paths_lp), and grows in place: new paths become columns, new tight rows rows,
each round re-solved from the basis HiGHS holds (tasks.network_design.lp_warm); pairs are priced in
blocks. The MIP still goes through cvxpy, as two stacked blocks
(tasks.network_design.paths_mip).
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from tasks.network_design.instance import NetworkInstance
from tasks.network_design.lp_warm import GrowingLp
from tasks.network_design.paths_master import PathPool, initial_pool, path_volume, signed_flows, violated_rows
from tasks.network_design.paths_mip import build_stacked_mip
from tasks.network_design.rounding import network_cost_of_volume, round_relaxation
from tasks.network_design.solve import SolveStats, solve_problem

EPS = 1e-9


def _trace(pred: np.ndarray, source: int, target: int) -> list[int]:
    """Node list source -> target from a predecessor row."""
    nodes = [target]
    while nodes[-1] != source:
        nodes.append(pred[nodes[-1]])
    return nodes[::-1]


def price_paths(instance: NetworkInstance, pool: PathPool, duals: dict, block: int = 64) -> tuple[list, np.ndarray]:
    """Shortest path per pair under the duals: (new paths as (pair, nodes), reduced costs).

    Pairs are priced ``block`` at a time: one Dijkstra call over ``block`` disjoint copies of
    the graph, copy i weighted for pair i, so the Python loop runs per block, not per pair."""
    n, m, k_all = instance.n, instance.m, pool.commodities
    u, v = instance.col("u"), instance.col("v")
    mu = np.zeros((len(k_all), m))
    np.add.at(mu, (duals["row_pair"], duals["row_edge"]), duals["mu"])
    per_pax = instance.pax_cost_per_km * duals["sigma"] + duals["big_m"]
    weights = instance.col("demand")[k_all][:, None] * per_pax[None, :] + mu + EPS
    new, reduced = [], np.zeros(len(k_all))
    for first in range(0, len(k_all), block):
        js = np.arange(first, min(first + block, len(k_all)))
        shift = (np.arange(len(js)) * n)[:, None]
        tails, heads = (u + shift).ravel(), (v + shift).ravel()
        graph = sparse.csr_matrix(
            (
                np.concatenate([weights[js].ravel(), weights[js].ravel()]),
                (np.concatenate([tails, heads]), np.concatenate([heads, tails])),
            ),
            shape=(len(js) * n, len(js) * n),
        )
        sources, targets = u[k_all[js]] + shift[:, 0], v[k_all[js]] + shift[:, 0]
        dist, pred = dijkstra(graph, indices=sources, return_predecessors=True)
        for i, j in enumerate(js):
            nodes = [int(node - shift[i, 0]) for node in _trace(pred[i], sources[i], targets[i])]
            reduced[j] = dist[i, targets[i]] - EPS * (len(nodes) - 1) - duals["pi"][j]
            if reduced[j] < -1e-7 * max(1.0, duals["pi"][j]):
                new.append((j, nodes))
    return new, reduced


def generate_columns(
    instance: NetworkInstance, pool: PathPool, deadline: float, rel_tol: float = 1e-4
) -> tuple[float, float, np.ndarray, GrowingLp]:
    """Grow ``pool`` until no path prices out, the LP value is within ``rel_tol`` of the bound,
    or the deadline; returns (LP bound, HiGHS seconds, last LP solution x = [z, cost_per_km,
    shares], the LP). Tight linking rows violated by the LP are added each round too, so the
    LPs stay small."""
    bound, highs_seconds, m, lp = -np.inf, 0.0, instance.m, GrowingLp(instance, pool)
    while True:
        seconds, result = lp.solve()
        highs_seconds, value, x = highs_seconds + seconds, result["value"], result["x"]
        new, reduced = price_paths(instance, pool, result["duals"])
        bound = max(bound, value + float(np.minimum(reduced, 0.0).sum()))
        cuts = violated_rows(pool, x[2 * m :], x[:m])
        pool.link_rows.update(dict.fromkeys(cuts))
        added = pool.add(instance, new)
        if not (added or cuts) or value - bound <= rel_tol * value or time.perf_counter() > deadline:
            return bound, highs_seconds, x, lp


def mip_start(
    instance: NetworkInstance, pool: PathPool, lp: GrowingLp, x: np.ndarray, target: float, deadline: float
) -> tuple[np.ndarray, float]:
    """(shares per pooled path, cost) of a feasible network to start the MIP from: an LP dive
    (z rounded and the LP re-solved, so the routing over the chosen legs is the LP's best), and,
    unless the dive already reaches ``target``, the LP rounding (shortest routes over the legs
    above a cut), whichever is cheaper. The rounding's routes join the pool."""
    best_share: np.ndarray | None = None
    best_cost = np.inf
    dived = lp.dive(x, deadline)
    if dived is not None:
        best_share = pad(np.where(dived[2 * instance.m :] > 1e-9, dived[2 * instance.m :], 0.0), len(pool.owner))
        best_cost = network_cost_of_volume(instance, path_volume(instance, pool, best_share))
    if best_cost > target:
        routes = round_relaxation(instance, x[: instance.m])
        pool.add(instance, [(j, routes[k]) for j, k in enumerate(pool.commodities)])
        chosen = [pool.seen[(j, tuple(routes[k]))] for j, k in enumerate(pool.commodities)]
        share = np.isin(np.arange(len(pool.owner)), chosen).astype(float)
        cost = network_cost_of_volume(instance, path_volume(instance, pool, share))
        if cost < best_cost:
            best_share, best_cost = share, cost
    if best_share is None:
        raise ValueError(f"no MIP start: the LP dive failed and the rounding's network costs {best_cost}")
    return pad(best_share, len(pool.owner)), best_cost


def pad(values: np.ndarray, size: int) -> np.ndarray:
    """``values`` followed by zeros up to ``size`` (paths pooled after that LP was solved)."""
    return np.concatenate([values, np.zeros(size - len(values))])


def solve_paths(
    instance: NetworkInstance, time_limit_s: float = 60.0, mip_gap: float = 0.01, seed: int = 0
) -> tuple[SolveStats, np.ndarray, np.ndarray, np.ndarray]:
    """Price-and-branch: (stats, open legs, volume, signed flows). The bound and gap in
    ``stats`` are against the full LP bound; status 'optimal' means proven within ``mip_gap``."""
    start = time.perf_counter()
    pool = initial_pool(instance)
    bound, lp_seconds, x, lp = generate_columns(instance, pool, start + 0.65 * time_limit_s, mip_gap / 5)
    # stop as soon as the incumbent is within mip_gap of the full LP bound, not of its own
    target = bound / (1 - mip_gap) if np.isfinite(bound) and bound > 0 else -np.inf
    share, start_cost = mip_start(instance, pool, lp, x, target, start + 0.75 * time_limit_s)
    master = build_stacked_mip(instance, pool)
    master.start_from(instance, share)
    remaining = max(1.0, time_limit_s - (time.perf_counter() - start))
    options: dict[str, float | str] = {} if not np.isfinite(target) else {"objective_target": target}
    if start_cost <= target:  # the start already proves the gap: HiGHS only has to accept it
        options["presolve"] = "off"
    mip = solve_problem(master.problem, remaining, mip_gap / 10, seed, highs_options=options)
    gap = max(0.0, mip.objective - bound) / max(abs(mip.objective), 1e-9)
    status = "optimal" if gap <= mip_gap + 1e-9 else ("time_limit" if mip.hit_limit else "gap_limit")
    stats = replace(
        mip,
        status=status,
        bound=bound,
        gap=gap,
        solve_seconds=lp_seconds + mip.solve_seconds,
        wall_seconds=time.perf_counter() - start,
    )
    open_legs = np.asarray(master.z.value) > 0.5
    volume = np.where(open_legs, np.maximum(master.volume, 0.0), 0.0)
    return stats, open_legs, volume, signed_flows(instance, pool, master.share)
