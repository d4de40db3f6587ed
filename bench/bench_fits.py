"""Maximum-likelihood fits: Smelter's ``fit_family`` against scipy's own ``rv_continuous.fit`` / ``stats.fit``.

    python -m bench.bench_fits [--rows 1000000] [--seed 42]

For each family a seeded sample of known parameters; per implementation: wall seconds (best of 3),
the largest relative error of a parameter against the truth, and the log-likelihood at the estimate
(higher is better; equal means the same optimum). Ours also gives standard errors, which scipy's fits do not.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import stats

from bench.measure import print_table
from tasks.data_profile.fits import fit_family

CASES = {  # family: (true parameters in our names, sampler)
    "normal": ({"mean": 10.0, "sd": 2.0}, lambda rng, n: rng.normal(10.0, 2.0, n)),
    "lognormal": ({"mu": 1.0, "sigma": 0.5}, lambda rng, n: rng.lognormal(1.0, 0.5, n)),
    "gamma": ({"shape": 3.0, "scale": 2.0}, lambda rng, n: rng.gamma(3.0, 2.0, n)),
    "poisson": ({"rate": 4.0}, lambda rng, n: rng.poisson(4.0, n).astype(float)),
    "negative_binomial": ({"mean": 5.0, "size": 2.0}, lambda rng, n: rng.negative_binomial(2.0, 2.0 / 7.0, n)),
}


def scipy_fit(name: str, x: np.ndarray) -> tuple[dict[str, float], float]:
    """scipy's maximum-likelihood estimate in our parameter names, and its log-likelihood."""
    if name == "normal":
        loc, scale = stats.norm.fit(x)
        return {"mean": loc, "sd": scale}, float(stats.norm.logpdf(x, loc, scale).sum())
    if name == "lognormal":
        s, _, scale = stats.lognorm.fit(x, floc=0)
        return {"mu": float(np.log(scale)), "sigma": s}, float(stats.lognorm.logpdf(x, s, 0, scale).sum())
    if name == "gamma":
        a, _, scale = stats.gamma.fit(x, floc=0)
        return {"shape": a, "scale": scale}, float(stats.gamma.logpdf(x, a, 0, scale).sum())
    if name == "poisson":
        mu = stats.fit(stats.poisson, x.astype(int), bounds={"mu": (0, 100)}).params.mu
        return {"rate": mu}, float(stats.poisson.logpmf(x, mu).sum())
    res = stats.fit(stats.nbinom, x.astype(int), bounds={"n": (0.01, 100), "p": (1e-6, 1 - 1e-6)}).params
    mean = res.n * (1 - res.p) / res.p
    return {"mean": mean, "size": res.n}, float(stats.nbinom.logpmf(x, res.n, res.p).sum())


def best_of(fn, rounds: int = 3):
    times, out = [], None
    for _ in range(rounds):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    rows = []
    for name, (truth, sample) in CASES.items():
        x = sample(np.random.default_rng(args.seed), args.rows)
        ours_s, fit = best_of(lambda x=x, name=name: fit_family(x, name))
        theirs_s, (params, loglik) = best_of(lambda x=x, name=name: scipy_fit(name, x))

        def error(p: dict[str, float], truth: dict[str, float] = truth) -> float:
            return max(abs(p[k] - v) / abs(v) for k, v in truth.items())

        rows.append(
            [name, "smelter fit_family", f"{ours_s:.3f}", f"{error(fit.params):.2e}", f"{fit.log_likelihood:.1f}"]
        )
        rows.append([name, "scipy", f"{theirs_s:.3f}", f"{error(params):.2e}", f"{loglik:.1f}"])
    print_table(
        f"Maximum-likelihood fits, {args.rows:,} seeded values per family (best of 3)",
        ["family", "implementation", "wall s", "max rel. error", "log-likelihood"],
        rows,
    )


if __name__ == "__main__":
    main()
