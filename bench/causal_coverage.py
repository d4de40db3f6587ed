"""Do the causal pipeline's ATE intervals cover the truth? A seed sweep on the store simulation, one table.

    python -m bench.causal_coverage [--rows 2000] [--seeds 1-10] [--intervals aipw,bootstrap] [--n-bootstrap 20]
        [--propensity logistic]

Per seed, per scenario, per interval method: :func:`tasks.causal_effects.estimate.estimate_effects` on
the simulation of that seed (:mod:`tasks.causal_effects.sources`, confounded promotion) with the effect
(true ATE about 2) and with ``no_effect`` (true ATE 0), everything seeded by the seed. A row per scenario,
method and estimator: in how many seeds its interval covers the true ATE (the sample mean of the true effect),
the mean interval half-width, the mean signed error of the ATE, and the mean wall seconds of an estimation.
The naive difference in means is the check that confounding is there: it should miss in every seed.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bench.measure import print_table
from tasks.causal_effects.base_models import LOGISTIC, BaseModels
from tasks.causal_effects.estimate import NAIVE, Design, EffectConfig, Estimates, estimate_effects
from tasks.causal_effects.schema import resolve_roles
from tasks.causal_effects.sources import Simulation, simulate_stores

SCENARIOS = {"effect": False, "no effect": True}  # name: no_effect


def seeds_of(text: str) -> list[int]:
    """``"1-10"`` -> [1, ..., 10]; ``"1,4,9"`` -> [1, 4, 9]."""
    if "-" in text:
        first, last = (int(v) for v in text.split("-"))
        return list(range(first, last + 1))
    return [int(v) for v in text.split(",")]


def estimate(
    rows: int, seed: int, no_effect: bool, interval: str, n_bootstrap: int, propensity: str = LOGISTIC
) -> tuple[Estimates, float]:
    """One estimation on the seed's stores (LightGBM learners, ``propensity`` model); and its wall seconds."""
    df = simulate_stores(Simulation(rows=rows, seed=seed, no_effect=no_effect))
    d = Design.of(df, resolve_roles(list(df.columns), "promotion", "sales", None))
    started = time.perf_counter()
    base = BaseModels(seed=seed, propensity=propensity)
    est = estimate_effects(EffectConfig(base=base, n_bootstrap=n_bootstrap, seed=seed, interval=interval), d)
    return est, time.perf_counter() - started


def coverage_rows(
    rows: int, seeds: list[int], intervals: list[str], n_bootstrap: int, propensity: str = LOGISTIC
) -> list[list]:
    """One row per scenario, interval method and estimator (see the module docstring)."""
    out = []
    for scenario, no_effect in SCENARIOS.items():
        for interval in intervals:
            runs = [estimate(rows, seed, no_effect, interval, n_bootstrap, propensity) for seed in seeds]
            wall = float(np.mean([seconds for _, seconds in runs]))
            for name in (NAIVE, *runs[0][0].learners):
                ates = [est.naive if name == NAIVE else est.learners[name].ate for est, _ in runs]
                truths = [float(est.true_ate or 0.0) for est, _ in runs]  # simulated: always known
                covered = sum(a.covers(t) for a, t in zip(ates, truths, strict=True))
                half = float(np.mean([(a.upper - a.lower) / 2 for a in ates]))
                error = float(np.mean([a.estimate - t for a, t in zip(ates, truths, strict=True)]))
                label = f"naive ({interval} run)" if name == NAIVE else f"{name.upper()}-learner"
                out.append([scenario, interval, label, f"{covered}/{len(seeds)}", half, error, wall])
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000)
    parser.add_argument("--seeds", default="1-10")
    parser.add_argument("--intervals", default="aipw,bootstrap")
    parser.add_argument("--n-bootstrap", type=int, default=20)
    parser.add_argument("--propensity", default=LOGISTIC, help="the propensity model: logistic, lightgbm, a.b.Class")
    args = parser.parse_args(argv)
    seeds = seeds_of(args.seeds)
    print_table(
        f"ATE interval coverage, store simulation ({args.rows} rows, seeds {args.seeds}, 95 % intervals, "
        f"LightGBM learners, {args.propensity} propensity; bootstrap: {args.n_bootstrap} refits)",
        ["scenario", "interval", "estimator", "covers truth", "half-width", "mean error", "wall_s"],
        coverage_rows(args.rows, seeds, args.intervals.split(","), args.n_bootstrap, args.propensity),
    )


if __name__ == "__main__":
    main()
