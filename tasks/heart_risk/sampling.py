"""NUTS on the heart posterior: independent single-chain runs in parallel processes, combined.

Two engines draw from the same posterior: ``"potential"`` (default) gives Pyro's NUTS the model's
negative log joint as a plain torch function (:mod:`tasks.heart_risk.potential`, one flat site ``theta``,
no per-step Pyro tracing: ~25-35 % less CPU per chain than the JIT-compiled model; the rest is
Pyro's own tree building), by default preconditioned by the Laplace approximation (NUTS samples
``u`` with ``theta = mode + L u`` and a diagonal mass matrix: ~30 % fewer gradient evaluations in
warm-up than learning a dense mass matrix from scratch, the same posterior), on a lean subclass of
Pyro's NUTS for one flat site (bit-identical draws, ~10 % less CPU). ``"model"`` runs NUTS on the
Pyro model itself (:func:`tasks.heart_risk.pyro_model.logistic_model`, JIT-compiled unless ``jit=False``).
Both give ``w``, ``b``.

Each chain is its own ``MCMC(num_chains=1)``, seeded with ``seed + c``, on one torch thread (no
oversubscription, no sample passing between Pyro's chain processes). Workers = min(chains, cores),
each a fresh interpreter (:mod:`tasks.heart_risk.chain_worker`) running chains ``k, k + workers, ...``
in turn: 4 chains on 2 cores are 2 processes x 2 chains, paying the torch import twice, not 4 times.
"""

from __future__ import annotations

import functools
import os
import pickle
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ENGINES = ("potential", "model")


@dataclass(frozen=True)
class NutsConfig:
    chains: int = 4
    samples: int = 1000
    warmup: int = 1000
    seed: int = 42
    jit: bool = True
    workers: int | None = None  # None: one per available core, at most one per chain
    target_accept: float = 0.8
    # None: diagonal when preconditioned (the whitened posterior is ~N(0, I)), else dense (the weights
    # of one-hot levels and the bias are correlated: a dense mass matrix needs fewer leapfrog steps)
    full_mass: bool | None = None
    engine: str = "potential"  # "potential" (hand-written log joint) or "model" (trace the Pyro model)
    max_tree_depth: int = 10
    float32: bool = False  # potential engine only: single precision (not faster here, see bench)
    precondition: bool = True  # potential engine only: sample theta = mode + L u (Laplace), see potential.py

    def __post_init__(self):
        if self.engine not in ENGINES:
            raise ValueError(f"NUTS engine must be one of {ENGINES}, not {self.engine!r}")

    @property
    def preconditioned(self) -> bool:
        return self.precondition and self.engine == "potential"

    @property
    def dense_mass(self) -> bool:
        return not self.preconditioned if self.full_mass is None else self.full_mass


@dataclass
class Posterior:
    """Draws per chain: ``w`` (chains, samples, p), ``b`` (chains, samples); per-chain stats."""

    w: np.ndarray
    b: np.ndarray
    chain_stats: list[dict] = field(default_factory=list)
    wall_seconds: float = 0.0

    def flat(self) -> tuple[np.ndarray, np.ndarray]:
        """All draws pooled: (chains * samples, p) and (chains * samples,)."""
        return self.w.reshape(-1, self.w.shape[-1]), self.b.reshape(-1)


def _limit_threads() -> None:
    import torch

    torch.set_num_threads(1)


@functools.cache
def _flat_site_nuts():
    """Pyro's NUTS for the potential engine's one flat site, minus per-step bookkeeping it cannot use:
    the mass-matrix algebra without packing and unpacking dicts of sites (Pyro's ``BlockMassMatrix``
    concatenates every site at every leapfrog step), and no per-iteration progress-bar text (the bar
    is disabled). The same arithmetic: the draws are bit-identical to Pyro's own classes (a unit test
    checks it); ~10% less CPU per chain."""
    from pyro.infer import NUTS
    from pyro.infer.mcmc.adaptation import BlockMassMatrix, _matvecmul

    class OneSiteMassMatrix(BlockMassMatrix):
        def kinetic_grad(self, r):
            ((names, inverse),) = self._inverse_mass_matrix.items()
            return {names[0]: _matvecmul(inverse, r[names[0]])}

        def unscale(self, r):
            ((names, sqrt_inverse),) = self._mass_matrix_sqrt_inverse.items()
            return {names: _matvecmul(sqrt_inverse, r[names[0]])}

    class FlatSiteNUTS(NUTS):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.mass_matrix_adapter = OneSiteMassMatrix()

        def logging(self):
            return {}

    return FlatSiteNUTS


def _run_mcmc(x: np.ndarray, y: np.ndarray, cfg: NutsConfig, stock: bool = False):
    """(kernel, finished MCMC, draws -> (w, b)) for ``cfg.engine``; the RNG is already seeded.
    ``stock`` runs the potential engine on Pyro's own NUTS class (for the equivalence test)."""
    import torch
    from pyro.infer import MCMC, NUTS

    options = {
        "full_mass": cfg.dense_mass,
        "target_accept_prob": cfg.target_accept,
        "max_tree_depth": cfg.max_tree_depth,
    }
    run = {"num_samples": cfg.samples, "warmup_steps": cfg.warmup, "num_chains": 1, "disable_progbar": True}
    if cfg.engine == "potential":
        from tasks.heart_risk.potential import SITE, LogisticPotential, unpack

        potential = LogisticPotential(x, y, torch.float32 if cfg.float32 else torch.float64, cfg.preconditioned)
        kernel = (NUTS if stock else _flat_site_nuts())(potential_fn=potential, **options)
        mcmc = MCMC(kernel, initial_params=potential.initial_params(), **run)
        mcmc.run()
        return kernel, mcmc, unpack(potential.to_theta(mcmc.get_samples()[SITE]).numpy())
    from tasks.heart_risk.pyro_model import logistic_model

    kernel = NUTS(logistic_model, jit_compile=cfg.jit, ignore_jit_warnings=True, **options)
    mcmc = MCMC(kernel, **run)
    mcmc.run(torch.as_tensor(x, dtype=torch.float64), torch.as_tensor(y, dtype=torch.float64))
    draws = mcmc.get_samples()
    return kernel, mcmc, (draws["w"].numpy(), draws["b"].numpy())


def run_chain(x: np.ndarray, y: np.ndarray, chain: int, cfg: NutsConfig) -> dict:
    """One NUTS chain on (x, y): {"w": (samples, p), "b": (samples,), "divergences", "step_size",
    "seconds" (wall), "cpu_seconds" (this process's CPU: the chain's cost on an idle core)}."""
    import pyro

    start, cpu = time.perf_counter(), time.process_time()
    pyro.set_rng_seed(cfg.seed + chain)
    pyro.clear_param_store()
    kernel, mcmc, (w, b) = _run_mcmc(x, y, cfg)
    divergences = len(mcmc.diagnostics()["divergences"]["chain 0"])
    return {
        "chain": chain,
        "w": w,
        "b": b,
        "divergences": divergences,
        "step_size": float(kernel.step_size),
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
    }


def default_workers(chains: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(chains, cores))


def run_in_workers(x: np.ndarray, y: np.ndarray, cfg: NutsConfig, workers: int) -> list[dict]:
    """All chains over ``workers`` chain-worker processes (worker k: chains k, k + workers, ...)."""
    from tasks.heart_risk import chain_worker

    with tempfile.TemporaryDirectory(prefix="heart-nuts-") as tmp:
        procs = []
        for k in range(workers):
            job, result = Path(tmp) / f"job{k}.pkl", Path(tmp) / f"result{k}.pkl"
            with job.open("wb") as f:
                pickle.dump((x, y, list(range(k, cfg.chains, workers)), cfg), f)
            procs.append((chain_worker.start(job, result), result))
        runs = [run for proc, result in procs for run in chain_worker.finish(proc, result)]
    return sorted(runs, key=lambda r: r["chain"])


def sample_posterior(x: np.ndarray, y: np.ndarray, cfg: NutsConfig) -> Posterior:
    """Run ``cfg.chains`` chains (in-process when one worker, else in chain-worker processes)."""
    start = time.perf_counter()
    workers = cfg.workers or default_workers(cfg.chains)
    if workers == 1:
        _limit_threads()
        runs = [run_chain(x, y, c, cfg) for c in range(cfg.chains)]
    else:
        runs = run_in_workers(x, y, cfg, min(workers, cfg.chains))
    stats = [{k: v for k, v in r.items() if k not in ("w", "b")} for r in runs]
    return Posterior(
        np.stack([r["w"] for r in runs]), np.stack([r["b"] for r in runs]), stats, time.perf_counter() - start
    )
