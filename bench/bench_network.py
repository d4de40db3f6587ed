"""Scaling table of the network-design MIP: the article's formulation, the arc multicommodity
one and the path one (price-and-branch) side by side, on the US cities with gravity demand
(10,000 passengers, minimum cost 50 x distance). A formulation stops growing after its first
size that misses the time limit or the gap (status other than optimal).

    python bench/bench_network.py --sizes 6,8,10,12,15,20,25,30,40 --time-limit 60
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.network.design import FORMULATIONS, design_network  # noqa: E402
from tasks.network.generate import gravity_demand, load_us_cities  # noqa: E402
from tasks.network.instance import build_instance  # noqa: E402
from tasks.network.solve import SolveError  # noqa: E402

HEADER = f"{'n':>3} {'formulation':<15}{'vars':>9}{'cons':>9}{'status':>12}{'solve_s':>9}{'wall_s':>9}{'gap':>9}{'legs':>6}{'objective':>14}"


def bench_row(n: int, formulation: str, args: argparse.Namespace) -> tuple[str, bool]:
    """One table line and whether the time limit was hit (or no incumbent was found)."""
    cities = load_us_cities(n)
    inst = build_instance(cities, gravity_demand(cities, args.passengers), args.threshold)
    try:
        d = design_network(inst, formulation, args.time_limit, args.mip_gap, args.seed,
                           direct_start=not args.no_start)
    except SolveError as err:
        return f"{n:>3} {formulation:<15}{'':>18}{'no incumbent':>12}  {err}", True
    s = d.stats
    line = (f"{n:>3} {formulation:<15}{s.n_variables:>9}{s.n_constraints:>9}{s.status:>12}"
            f"{s.solve_seconds:>9.3f}{s.wall_seconds:>9.3f}{s.gap:>9.2%}{int(d.open_legs.sum()):>6}"
            f"{s.objective:>14,.0f}")
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
    args = parser.parse_args(argv)
    formulations = [f for f in args.formulations.split(",") if f in FORMULATIONS]
    stopped: set[str] = set()
    print(HEADER, flush=True)
    for n in [int(v) for v in args.sizes.split(",")]:
        for formulation in formulations:
            if formulation in stopped:
                continue
            line, hit_limit = bench_row(n, formulation, args)
            print(line, flush=True)
            if hit_limit:
                stopped.add(formulation)


if __name__ == "__main__":
    main()
