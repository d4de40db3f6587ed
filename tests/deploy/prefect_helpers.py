"""A real Prefect stack for tests: a server on a free loopback port (SQLite in a temporary folder, or the
database a URL names), the work pool, a worker and prefect.yaml's deployments, flow runs writing into that
folder; everything started is stopped at the end, and nothing may be left running (tests/deploy, tests/cluster)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from scripts import prefect_stack
from scripts.engines import free_port

TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def processes_mentioning(marker: str) -> list[int]:
    """Live processes whose command line or environment contains ``marker`` (the test's tmp folder)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue
            if marker.encode() in (proc / "cmdline").read_bytes() + (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


@dataclass
class Stack:
    """The running server: its environment, API client, temporary folder and the processes to stop."""

    env: dict[str, str]
    api: httpx.Client
    root: Path
    procs: list = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def post(self, path: str, body: dict | None = None):
        response = self.api.post(path, json=body or {})
        response.raise_for_status()
        return response.json()

    def get(self, path: str):
        response = self.api.get(path)
        response.raise_for_status()
        return response.json()

    def log(self, name: str) -> str:
        """The log ``name`` (``server.log``, ``worker.log``) of the stack; empty if there is none."""
        path = self.root / "home" / name
        return path.read_text(errors="replace") if path.exists() else ""

    def log_tail(self, name: str, lines: int = 60) -> str:
        return "\n".join(self.log(name).splitlines()[-lines:])


def wait_for(predicate, timeout: float, what: str, step: float = 1.0):
    """The first true value of ``predicate()``, polled every ``step`` s; TimeoutError after ``timeout`` s."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if value := predicate():
            return value
        time.sleep(step)
    raise TimeoutError(f"{what} not within {timeout:.0f} s")


@contextlib.contextmanager
def running_stack(root: Path, db_url: str | None = None, **settings: str) -> Iterator[Stack]:
    """The stack with its state in ``root/home`` and flow runs' lake and MLflow store in ``root`` (local[1]
    Spark), quick scheduler and worker polls; ``settings`` add to or override the environment. On exit
    every process is stopped and none that mentions ``root`` may be left."""
    env = prefect_stack.prefect_env(
        root / "home",
        free_port(),
        db_url,
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="2",
        PREFECT_WORKER_QUERY_SECONDS="1",
        PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED="false",
        PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED="false",
        SMELTER_DATA_ROOT=str(root / "data"),
        SMELTER_MLRUNS_ROOT=str(root / "mlruns"),
        SMELTER_SPARK__MASTER="local[1]",
        **settings,
    )
    stack = Stack(env, httpx.Client(base_url=env["PREFECT_API_URL"], timeout=30), root)
    try:
        with prefect_stack.running(env, timeout=180, timings=stack.timings) as procs:
            stack.procs = procs
            yield stack
    finally:
        stack.api.close()
        print("\nprefect stack timings (s):", {k: round(v, 1) for k, v in stack.timings.items()})
        left = processes_mentioning(str(root)) + [
            p for proc in stack.procs for p in prefect_stack.group_members(proc.pid)
        ]
        assert not left, f"processes left behind: {left}"
