"""Causal meta-learners: Smelter's S-, T- and X-learners against econml's (``econml.metalearners``) with the same
LightGBM base models on the same data: PEHE, ATE error and wall time, one table.

    python -m bench.bench_causal [--sizes 1000,10000] [--treated-share 0.5] [--repeats 3] [--seed 42]

Data: the pipeline's store simulation (:mod:`tasks.causal_effects.sources`: confounded promotion,
heterogeneous true effect, ATE about 2), one seed for every row of a size. Both sides get the same numpy
arrays and LightGBM with :data:`tasks.causal_effects.base_models.LGBM_PARAMS` (one thread) for outcome and
effect models, and the same propensity model for the X-learner (the pipeline's default: standardised logistic
regression). Wall = fit + CATE of every row, the
median of ``--repeats`` rounds, each running ours then econml's (load on a shared machine shifts between
rounds); PEHE = root mean squared error of the CATE against the true effect. The fits are deterministic:
repeats differ in time only. econml (0.17.0) is a bench-only dependency (``make bench``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from bench.measure import print_table
from tasks.causal_effects.base_models import LGBM_PARAMS, BaseModels
from tasks.causal_effects.estimate import Design
from tasks.causal_effects.evaluate import pehe
from tasks.causal_effects.learners import make_learner
from tasks.causal_effects.schema import resolve_roles
from tasks.causal_effects.sources import Simulation, simulate_stores

LEARNERS = ("s", "t", "x")


def stores(rows: int, seed: int, treated_share: float) -> Design:
    """The simulated stores as arrays, through the pipeline's own roles."""
    df = simulate_stores(Simulation(rows=rows, seed=seed, treated_share=treated_share))
    return Design.of(df, resolve_roles(list(df.columns), "promotion", "sales", None))


def smelter_cate(name: str, seed: int) -> Callable[[Design], np.ndarray]:
    def run(d: Design) -> np.ndarray:
        return make_learner(name, BaseModels(seed=seed)).fit(d.x, d.t, d.y).effect(d.x)

    return run


def econml_cate(name: str, seed: int) -> Callable[[Design], np.ndarray]:
    from econml.metalearners import SLearner, TLearner, XLearner
    from lightgbm import LGBMRegressor

    def reg() -> LGBMRegressor:
        return LGBMRegressor(**LGBM_PARAMS, random_state=seed)

    def run(d: Design) -> np.ndarray:
        if name == "s":
            learner = SLearner(overall_model=reg())
        elif name == "t":
            learner = TLearner(models=reg())
        else:
            propensity = BaseModels(seed=seed).make("propensity")
            learner = XLearner(models=reg(), cate_models=reg(), propensity_model=propensity)
        learner.fit(d.y, d.t, X=d.x)
        return np.asarray(learner.effect(d.x), dtype=float).ravel()

    return run


def timed_pair(
    runs: tuple[Callable[[Design], np.ndarray], ...], d: Design, repeats: int
) -> list[tuple[np.ndarray, float]]:
    """Per run: its CATE and its median wall seconds over ``repeats`` rounds; each round runs every one in turn
    (load on a shared machine shifts between rounds, not between the two sides)."""
    seconds: list[list[float]] = [[] for _ in runs]
    cates: list[np.ndarray] = [np.empty(0) for _ in runs]
    for _ in range(repeats):
        for i, run in enumerate(runs):
            started = time.perf_counter()
            cates[i] = run(d)
            seconds[i].append(time.perf_counter() - started)
    return [(cate, statistics.median(secs)) for cate, secs in zip(cates, seconds, strict=True)]


def bench_rows(sizes: list[int], treated_share: float, repeats: int, seed: int) -> list[list]:
    warm = stores(200, seed, treated_share)
    for run in (smelter_cate("s", seed), econml_cate("s", seed)):  # imports and LightGBM's first call, untimed
        run(warm)
    rows = []
    for n in sizes:
        d = stores(n, seed, treated_share)
        assert d.truth is not None
        true_ate = float(d.truth.mean())
        for name in LEARNERS:
            (ours, ours_s), (theirs, theirs_s) = timed_pair(
                (smelter_cate(name, seed), econml_cate(name, seed)), d, repeats
            )
            for impl, cate, secs in (("smelter", ours, ours_s), ("econml", theirs, theirs_s)):
                rows.append(
                    [n, int(d.t.sum()), f"{name.upper()}-learner", impl, pehe(cate, d.truth),
                     abs(float(cate.mean()) - true_ate), secs, theirs_s / secs if impl == "smelter" else 1.0]
                )  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--treated-share", type=float, default=0.5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    sizes = [int(v) for v in args.sizes.split(",")]
    print_table(
        f"S/T/X-learners, Smelter vs econml, LightGBM base models (store simulation, seed {args.seed}, "
        f"treated share {args.treated_share}; wall = fit + CATE, median of {args.repeats})",
        ["rows", "treated", "learner", "impl", "pehe", "ate_error", "wall_s", "econml_s / ours"],
        bench_rows(sizes, args.treated_share, args.repeats, args.seed),
    )


if __name__ == "__main__":
    main()
