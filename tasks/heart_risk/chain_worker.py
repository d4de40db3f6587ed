"""A chain worker: a fresh interpreter that imports only numpy, torch and Pyro, runs its NUTS chains
one after another on one torch thread, and writes their results.

    python -m tasks.heart_risk.chain_worker <job.pkl> <result.pkl>

``job.pkl`` holds ``(x, y, chains, cfg)`` (:class:`~tasks.heart_risk.sampling.NutsConfig`); ``result.pkl``
gets the list of :func:`~tasks.heart_risk.sampling.run_chain` dicts. Unlike a ``multiprocessing`` spawn
child, it does not re-import the parent's ``__main__`` (a flow module pulls in Prefect and MLflow:
~3 CPU s per worker), so a worker costs only the torch + Pyro import (~1.7 CPU s).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the folder holding the ``tasks`` package


def start(job: Path, result: Path) -> subprocess.Popen:
    """Launch a worker on ``job`` (already written); stderr is captured for the error message."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tasks.heart_risk.chain_worker", str(job), str(result)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen, result: Path) -> list[dict]:
    """Wait for a worker; its run dicts, or a RuntimeError carrying the end of its stderr."""
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"NUTS chain worker failed (exit {proc.returncode}): {err[-2000:]}")
    with open(result, "rb") as f:
        return pickle.load(f)


def main(argv: list[str]) -> None:
    import torch

    from tasks.heart_risk.sampling import run_chain

    torch.set_num_threads(1)
    with open(argv[0], "rb") as f:
        x, y, chains, cfg = pickle.load(f)
    runs = [run_chain(x, y, chain, cfg) for chain in chains]
    with open(argv[1], "wb") as f:
        pickle.dump(runs, f)


if __name__ == "__main__":
    main(sys.argv[1:])
