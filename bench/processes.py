"""Benchmark servers as child processes: start and wait until ready, stop with their children, CPU used.

Linux only (process groups, ``/proc``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from smelter.settings import PROJECT_ROOT


def start(cmd: list[str], env: dict, log: Path, ready_url: str, timeout: float = 180) -> subprocess.Popen:
    """Start a server and wait until ``ready_url`` answers 200."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, env=env, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )  # its own process group: stop() ends its children too
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{cmd[:3]} exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(ready_url, timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{ready_url} not ready in {timeout} s:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    """End a server started by :func:`start` and the workers it spawned (its process group)."""
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(root: int, *others: int) -> float:
    """User + system CPU seconds of process ``root``, the processes ``others`` and all their descendants,
    each counted once (Linux /proc)."""
    stats = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(stat.parent.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))  # ppid, ticks
    tree = {root, *others}
    for _ in range(8):  # a few levels of children is plenty
        tree |= {pid for pid, (ppid, _) in stats.items() if ppid in tree}
    ticks = sum(stats[pid][1] for pid in tree if pid in stats)
    return ticks / os.sysconf("SC_CLK_TCK")
