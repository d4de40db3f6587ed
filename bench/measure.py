"""Timing and peak memory of a block of work, for the benchmark tables.

Peak memory is the largest resident set of this process plus its children (the
Spark JVM is one), sampled every 20 ms from /proc; the peaks of this process alone (the
driver) and of its descendants alone (the JVM) are kept too.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field


def _rss_split(pid: int) -> tuple[int, int]:
    """Resident bytes of process ``pid`` and of all its descendants (e.g. the Spark JVM)."""
    own, descendants, todo = 0, 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as fh:
                rss = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
        if p == pid:
            own = rss
        else:
            descendants += rss
    return own, descendants


@dataclass
class Measurement:
    seconds: float = 0.0
    peak_mib: float = 0.0  # this process and its children
    own_peak_mib: float = 0.0  # this process alone (the Python driver)
    children_peak_mib: float = 0.0  # its descendants alone (the Spark JVM, a worker process)
    extra: dict = field(default_factory=dict)


@contextmanager
def measure(interval: float = 0.02):
    """``with measure() as m: ...`` -> ``m.seconds``, ``m.peak_mib`` (``own_peak_mib``,
    ``children_peak_mib``) of the block."""
    m, stop, peak = Measurement(), threading.Event(), [0, 0, 0]
    pid = os.getpid()

    def take() -> None:
        own, children = _rss_split(pid)
        peak[:] = [max(peak[0], own + children), max(peak[1], own), max(peak[2], children)]

    def sample():
        while not stop.is_set():
            take()
            stop.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    try:
        yield m
    finally:
        m.seconds = time.perf_counter() - start
        stop.set()
        sampler.join()
        take()
        m.peak_mib, m.own_peak_mib, m.children_peak_mib = (p / 2**20 for p in peak)


def print_table(title: str, headers: list[str], rows: list[list]) -> None:
    """A plain fixed-width table."""

    def fmt(v) -> str:
        if isinstance(v, float):
            return f"{v:,.3f}"
        return f"{v:,}" if isinstance(v, int) else str(v)

    cells = [[fmt(v) for v in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False)))
    print("  ".join("-" * w for w in widths))
    for raw, r in zip(rows, cells, strict=False):
        print(
            "  ".join(
                c.rjust(w) if isinstance(v, (int, float)) else c.ljust(w)
                for c, w, v in zip(r, widths, raw, strict=False)
            )
        )
