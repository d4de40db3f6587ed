"""Test helper: Delta writers that commit at once (imported as ``tests.delta_writers``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from smelter import delta


def write_at_once(
    monkeypatch: Any, writes: list[Callable[[], delta.DeltaCommit]], timeout: float = 120
) -> list[object]:
    """Run ``writes`` in threads that each load the table's snapshot, then wait for the others to
    have loaded theirs before committing: every writer commits on the same version. Each outcome is
    the writer's :class:`~smelter.delta.DeltaCommit` or its :class:`~smelter.delta.ConcurrentWriteError`;
    the test's monkeypatches are undone before it returns."""
    all_read, load = threading.Barrier(len(writes), timeout=timeout), delta._load_or_none

    def load_then_wait(path, read_version=None):
        snapshot = load(path, read_version)
        all_read.wait()
        return snapshot

    monkeypatch.setattr(delta, "_load_or_none", load_then_wait)
    outcomes: list[object] = []

    def run(write: Callable[[], delta.DeltaCommit]) -> None:
        try:
            outcomes.append(write())
        except delta.ConcurrentWriteError as err:
            outcomes.append(err)

    threads = [threading.Thread(target=run, args=(w,)) for w in writes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    monkeypatch.undo()
    return outcomes
