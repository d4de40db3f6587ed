"""The endpoint's request window: bounded to the latest rows, reset when the served version changes, safe
under concurrent adds."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from smelter.serving.window import RequestWindow


def cols(start: int, n: int) -> dict[str, np.ndarray]:
    return {"x": np.arange(start, start + n)}


def test_keeps_only_the_latest_rows():
    window = RequestWindow(max_rows=5)
    window.add("1", cols(0, 3))
    window.add("1", cols(3, 4))
    version, rows = window.frame()
    assert version == "1" and rows["x"].tolist() == [2, 3, 4, 5, 6] and len(window) == 5
    window.add("1", cols(100, 8))  # one request larger than the window
    assert window.frame()[1]["x"].tolist() == [103, 104, 105, 106, 107]


def test_a_new_served_version_starts_a_new_window():
    window = RequestWindow(max_rows=10)
    window.add("1", cols(0, 4))
    window.add("2", cols(10, 2))
    assert window.frame()[0] == "2" and window.frame()[1]["x"].tolist() == [10, 11]


def test_concurrent_adds_stay_bounded_and_consistent():
    window = RequestWindow(max_rows=1_000)

    def worker(k: int) -> None:
        for i in range(200):
            window.add("1", cols(k * 10_000 + i * 3, 3))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = window.frame()[1]
    assert len(rows) == len(window) == 1_000


def test_empty_window_and_bad_size():
    version, rows = RequestWindow().frame()
    assert version is None and rows.empty
    with pytest.raises(ValueError, match="at least 1 row"):
        RequestWindow(0)
