"""A real Prefect server on a free loopback port with a temporary SQLite database, deployed from
prefect.yaml; everything it started is stopped at the end, and nothing may be left running."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from scripts import prefect_stack


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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

    def log_tail(self, name: str, lines: int = 60) -> str:
        path = self.root / "home" / name
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("prefect-stack")
    env = prefect_stack.prefect_env(
        root / "home",
        free_port(),
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="2",
        PREFECT_WORKER_QUERY_SECONDS="1",
        PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED="false",
        PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED="false",
        SMELTER_DATA_ROOT=str(root / "data"),
        SMELTER_MLRUNS_ROOT=str(root / "mlruns"),
        SMELTER_SPARK__MASTER="local[1]",
    )
    stack = Stack(env, httpx.Client(base_url=env["PREFECT_API_URL"], timeout=30), root)
    t0 = time.monotonic()
    server = prefect_stack.start_server(env, root / "home" / "server.log")
    stack.procs.append(server)
    try:
        prefect_stack.wait_healthy(env, timeout=180, proc=server)
        stack.timings["server start"] = time.monotonic() - t0
        t1 = time.monotonic()
        prefect_stack.create_pool(env)
        stack.procs.append(
            prefect_stack.start(prefect_stack.worker_cmd(), prefect_stack.worker_env(env), root / "home" / "worker.log")
        )  # starts while we deploy
        prefect_stack.deploy(env)
        stack.timings["pool, worker start, deploy"] = time.monotonic() - t1
        yield stack
    finally:
        stack.api.close()
        for proc in reversed(stack.procs):
            prefect_stack.stop(proc)
        print("\nprefect stack timings (s):", {k: round(v, 1) for k, v in stack.timings.items()})
        left = processes_mentioning(str(root)) + [
            p for proc in stack.procs for p in prefect_stack.group_members(proc.pid)
        ]
        assert not left, f"processes left behind: {left}"
