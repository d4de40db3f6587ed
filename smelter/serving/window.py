"""The endpoint's rolling window of recent request rows, for ``GET /monitoring``.

Bounded: at most ``max_rows`` rows, the oldest dropped first. Thread-safe: requests add from the event loop
while a monitoring call copies it from a worker thread. Rows of one served version only: when the version
changes the window starts again (its baseline changed).
"""

from __future__ import annotations

import threading
from collections import deque

import numpy as np
import pandas as pd


class RequestWindow:
    """``add(version, columns)`` after each scored request; ``frame()`` -> (version, the window's rows)."""

    def __init__(self, max_rows: int = 10_000):
        if max_rows < 1:
            raise ValueError(f"the monitoring window needs at least 1 row, not {max_rows}")
        self.max_rows = max_rows
        self._parts: deque[pd.DataFrame] = deque()
        self._rows = 0
        self._version: str | None = None
        self._lock = threading.Lock()

    def add(self, version: str, columns: dict[str, np.ndarray]) -> None:
        """One request's typed columns (the latest ``max_rows`` rows of it at most)."""
        part = pd.DataFrame(columns).tail(self.max_rows)
        with self._lock:
            if version != self._version:
                self._parts.clear()
                self._rows, self._version = 0, version
            self._parts.append(part)
            self._rows += len(part)
            while self._rows > self.max_rows:
                oldest = self._parts.popleft()
                excess = self._rows - self.max_rows
                if len(oldest) > excess:
                    self._parts.appendleft(oldest.iloc[excess:])
                self._rows -= min(len(oldest), excess)

    def frame(self) -> tuple[str | None, pd.DataFrame]:
        """The served version the rows belong to and a copy of the rows, oldest first."""
        with self._lock:
            parts, version = list(self._parts), self._version
        return version, (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame())

    def __len__(self) -> int:
        return self._rows
