"""Micro-batching: combined calls give each request exactly its own predictions; failures stay isolated."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression

from smelter.serving.batcher import Batcher, predict_parts, split_rows


class RecordingRegression(LinearRegression):
    """A real linear model that also records how many rows each predict call got."""

    calls: list[int]

    def predict(self, X):
        self.calls.append(len(X))
        return super().predict(X)


def fitted() -> RecordingRegression:
    X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    model = RecordingRegression().fit(X, 2 * X["a"] + 10 * X["b"])
    model.calls = []
    return model


def part(*a: float) -> dict[str, np.ndarray]:
    return {"a": np.array(a), "b": np.ones(len(a))}


def test_split_rows_keeps_the_container_type():
    assert [s.tolist() for s in split_rows(np.arange(5), [2, 3])] == [[0, 1], [2, 3, 4]]
    series = split_rows(pd.Series([1, 2, 3]), [1, 2])
    assert series[1].tolist() == [2, 3]
    frames = split_rows(pd.DataFrame({"x": [1, 2, 3]}), [2, 1])
    assert frames[1]["x"].tolist() == [3]


def test_one_call_for_many_parts_each_gets_its_rows():
    model = fitted()
    results = predict_parts(model, [part(1.0), part(2.0, 3.0), part(0.0)])
    assert model.calls == [4]
    np.testing.assert_allclose(np.concatenate(results), [12.0, 14.0, 16.0, 10.0])
    assert [len(r) for r in results] == [1, 2, 1]


def test_a_part_that_breaks_the_call_fails_alone():
    model = fitted()
    results = predict_parts(model, [part(1.0), {"a": np.array([np.nan]), "b": np.ones(1)}, part(2.0)])
    assert isinstance(results[1], ValueError)
    np.testing.assert_allclose(np.concatenate([results[0], results[2]]), [12.0, 14.0])


def test_batcher_combines_concurrent_requests_per_served_version():
    v1, v2 = SimpleNamespace(model=fitted()), SimpleNamespace(model=fitted())

    async def burst():
        batcher = Batcher(max_rows=5)
        calls = [batcher.predict(v1 if i % 4 else v2, part(float(i))) for i in range(12)]
        return await asyncio.gather(*calls, return_exceptions=True)

    results = asyncio.run(burst())
    np.testing.assert_allclose(np.concatenate(results), 2 * np.arange(12) + 10.0)
    assert sum(v1.model.calls) == 9 and sum(v2.model.calls) == 3  # versions never mixed
    assert max(v1.model.calls) > 1 and max(v1.model.calls) <= 5  # combined, within max_rows
    assert len(v1.model.calls) < 9


def test_batcher_without_combining_calls_once_per_request():
    served = SimpleNamespace(model=fitted())

    async def burst():
        batcher = Batcher(max_rows=100, combine=False)
        return await asyncio.gather(*(batcher.predict(served, part(1.0, 2.0)) for _ in range(4)))

    assert len(asyncio.run(burst())) == 4 and served.model.calls == [2, 2, 2, 2]
