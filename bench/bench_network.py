"""Scaling table of the network-design MIP: the article's formulation, the arc multicommodity
one and the path one (price-and-branch) side by side, on the US cities with gravity demand
(10,000 passengers, minimum cost 50 x distance). A formulation stops growing after its first
size that misses the time limit or the gap (status other than optimal). A solve shorter than a
second is repeated (up to --repeats times, within about a second) and its median wall time
reported, for every formulation alike; ``x article`` is the article's wall time at that size
divided by the row's.

    python bench/bench_network.py --sizes 6,8,10,12,15,20,25,30,40 --time-limit 60
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.network_design.design import FORMULATIONS, NetworkDesign, optimise_network
from tasks.network_design.instance import build_instance
from tasks.network_design.solve import SolveError
from tasks.network_design.sources import gravity_demand, load_us_cities

HEADER = (
    f"{'n':>3} {'formulation':<15}{'vars':>9}{'cons':>9}{'status':>12}{'solve_s':>9}{'wall_s':>9}{'runs':>5}"
    f"{'x article':>10}{'gap':>9}{'legs':>6}{'objective':>14}"
)


def bench_row(n: int, formulation: str, args: argparse.Namespace, article_wall: dict[int, float]) -> tuple[str, bool]:
    """One table line and whether the time limit was hit (or no incumbent was found)."""
    cities = load_us_cities(n)
    inst = build_instance(cities, gravity_demand(cities, args.passengers), args.threshold)
    runs: list[NetworkDesign] = []
    try:
        while not runs or (len(runs) < args.repeats and sum(r.stats.wall_seconds for r in runs) < 1.0):
            runs.append(
                optimise_network(
                    inst, formulation, args.time_limit, args.mip_gap, args.seed, direct_start=not args.no_start
                )
            )
    except SolveError as err:
        return f"{n:>3} {formulation:<15}{'':>18}{'no incumbent':>12}  {err}", True
    d = sorted(runs, key=lambda r: r.stats.wall_seconds)[len(runs) // 2]  # the median run
    s = d.stats
    if formulation == "article":
        article_wall[n] = s.wall_seconds
    speedup = f"{article_wall[n] / s.wall_seconds:.0f}x" if n in article_wall else ""
    line = (
        f"{n:>3} {formulation:<15}{s.n_variables:>9}{s.n_constraints:>9}{s.status:>12}"
        f"{s.solve_seconds:>9.3f}{s.wall_seconds:>9.3f}{len(runs):>5}{speedup:>10}{s.gap:>9.2%}"
        f"{int(d.open_legs.sum()):>6}{s.objective:>14,.0f}"
    )
    return line, s.hit_limit


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="6,8,10,12,15,20,25,30,40")
    parser.add_argument("--formulations", default="article,multicommodity,paths")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--mip-gap", type=float, default=0.01)
    parser.add_argument("--threshold", type=float, default=50.0)
    parser.add_argument("--passengers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-start", action="store_true", help="no all-direct MIP start")
    parser.add_argument("--repeats", type=int, default=5, help="at most this many runs of a sub-second solve")
    args = parser.parse_args(argv)
    formulations = [f for f in args.formulations.split(",") if f in FORMULATIONS]
    stopped: set[str] = set()
    article_wall: dict[int, float] = {}
    print(HEADER, flush=True)
    for n in [int(v) for v in args.sizes.split(",")]:
        for formulation in formulations:
            if formulation in stopped:
                continue
            line, hit_limit = bench_row(n, formulation, args, article_wall)
            print(line, flush=True)
            if hit_limit:
                stopped.add(formulation)


if __name__ == "__main__":
    main()
