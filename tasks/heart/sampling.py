"""NUTS on the heart posterior: independent single-chain runs in parallel processes, combined.

Two engines draw from the same posterior: ``"potential"`` (default) gives Pyro's NUTS the model's
negative log joint as a plain torch function (:mod:`tasks.heart.potential`, one flat site
``theta``; no per-step Pyro tracing, ~8x faster), ``"model"`` runs NUTS on the Pyro model itself
(:func:`tasks.heart.model.logistic_model`, optionally JIT-compiled). Both return ``w`` and ``b``.

Each chain is its own ``MCMC(num_chains=1)`` in a spawned worker limited to one torch thread
(no oversubscription, no sample passing between Pyro's chain processes); chain ``c`` is seeded
with ``seed + c``. Workers = min(chains, cores); extra chains queue on the free workers.
"""
from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

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
    full_mass: bool = True  # dense mass matrix: the correlated weights need fewer leapfrog steps
    engine: str = "potential"  # "potential" (hand-written log joint) or "model" (trace the Pyro model)
    max_tree_depth: int = 10
    float32: bool = False  # potential engine only: single precision (not faster here, see bench)

    def __post_init__(self):
        if self.engine not in ENGINES:
            raise ValueError(f"NUTS engine must be one of {ENGINES}, not {self.engine!r}")


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


def _run_mcmc(x: np.ndarray, y: np.ndarray, cfg: NutsConfig):
    """(kernel, finished MCMC, draws -> (w, b)) for ``cfg.engine``; the RNG is already seeded."""
    import torch
    from pyro.infer import MCMC, NUTS

    options = dict(full_mass=cfg.full_mass, target_accept_prob=cfg.target_accept, max_tree_depth=cfg.max_tree_depth)
    run = dict(num_samples=cfg.samples, warmup_steps=cfg.warmup, num_chains=1, disable_progbar=True)
    if cfg.engine == "potential":
        from tasks.heart.potential import SITE, LogisticPotential, unpack

        potential = LogisticPotential(x, y, torch.float32 if cfg.float32 else torch.float64)
        kernel = NUTS(potential_fn=potential, **options)
        mcmc = MCMC(kernel, initial_params=potential.initial_params(), **run)
        mcmc.run()
        return kernel, mcmc, unpack(mcmc.get_samples()[SITE].numpy())
    from tasks.heart.model import logistic_model

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
    return {"chain": chain, "w": w, "b": b, "divergences": divergences, "step_size": float(kernel.step_size),
            "seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu}


def default_workers(chains: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(chains, cores))


def sample_posterior(x: np.ndarray, y: np.ndarray, cfg: NutsConfig) -> Posterior:
    """Run ``cfg.chains`` chains (in-process when one worker, else in spawned processes)."""
    start = time.perf_counter()
    workers = cfg.workers or default_workers(cfg.chains)
    if workers == 1:
        _limit_threads()
        runs = [run_chain(x, y, c, cfg) for c in range(cfg.chains)]
    else:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_limit_threads) as pool:
            runs = list(pool.map(run_chain, [x] * cfg.chains, [y] * cfg.chains, range(cfg.chains),
                                 [cfg] * cfg.chains))
    stats = [{k: v for k, v in r.items() if k not in ("w", "b")} for r in runs]
    return Posterior(np.stack([r["w"] for r in runs]), np.stack([r["b"] for r in runs]), stats,
                     time.perf_counter() - start)
