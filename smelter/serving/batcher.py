"""Concurrent scoring requests -> one model call: adaptive micro-batching.

The model runs in one worker thread, so the event loop keeps reading requests
meanwhile. Requests that arrive while a call runs queue up and the next call
scores them together (up to ``max_rows`` rows), each getting back its own slice.
Nothing waits for a batch to fill: at concurrency 1 every call is one request.
Requests holding different served versions are never mixed, and when a combined
call fails each request is scored alone, so a bad request fails only itself.
Combining assumes the model scores each row on its own (true of Smelter's
tabular models); ``combine=False`` turns it off.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


def split_rows(predictions: Any, lengths: list[int]) -> list[Any]:
    """Predictions for concatenated frames -> one slice per frame (ndarray, Series, DataFrame or list)."""
    bounds = np.cumsum([0, *lengths])
    if isinstance(predictions, (pd.Series, pd.DataFrame)):
        return [predictions.iloc[a:b] for a, b in itertools.pairwise(bounds)]
    return [predictions[a:b] for a, b in itertools.pairwise(bounds)]


def predict_parts(model: Any, parts: list[dict[str, np.ndarray]]) -> list[Any]:
    """Score the requests' columns (same names in each) in one call if possible.

    Returns, per part, its predictions or the exception scoring it raised.
    """
    if len(parts) == 1:
        try:
            return [model.predict(pd.DataFrame(parts[0]))]
        except Exception as exc:  # handed back to that one request
            return [exc]
    lengths = [len(next(iter(p.values()))) for p in parts]
    try:
        combined = pd.DataFrame({c: np.concatenate([p[c] for p in parts]) for c in parts[0]})
        predictions = model.predict(combined)
        if len(predictions) == sum(lengths):
            return split_rows(predictions, lengths)
    except Exception:  # some part broke the combined call: find which by scoring each alone
        pass
    return [predict_parts(model, [p])[0] for p in parts]


@dataclass
class _Job:
    served: Any  # ServedModel
    columns: dict[str, np.ndarray]
    rows: int
    future: asyncio.Future

    def joins(self, first: _Job) -> bool:
        return self.served is first.served and self.columns.keys() == first.columns.keys()


class Batcher:
    """``await batcher.predict(served, columns)`` -> predictions, combined with concurrent requests."""

    def __init__(self, max_rows: int, combine: bool = True):
        self.max_rows, self.combine = max_rows, combine
        self._queue: deque[_Job] = deque()
        self._drainer: asyncio.Task | None = None

    async def predict(self, served: Any, columns: dict[str, np.ndarray]) -> Any:
        """Predictions for one request's typed columns (see :func:`smelter.serving.schema.typed_columns`)."""
        rows = len(next(iter(columns.values()))) if columns else 0
        job = _Job(served, columns, rows, asyncio.get_running_loop().create_future())
        self._queue.append(job)
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        return await job.future

    def _take(self) -> list[_Job]:
        """The next batch: queued jobs on the same served version, at most ``max_rows`` rows (at least one job)."""
        batch = [self._queue.popleft()]
        rows = batch[0].rows
        while (
            self.combine
            and self._queue
            and self._queue[0].joins(batch[0])
            and rows + self._queue[0].rows <= self.max_rows
        ):
            rows += self._queue[0].rows
            batch.append(self._queue.popleft())
        return batch

    async def _drain(self) -> None:
        while self._queue:
            batch = self._take()
            try:
                results = await asyncio.to_thread(predict_parts, batch[0].served.model, [j.columns for j in batch])
            except asyncio.CancelledError:  # shutting down: no request may hang
                for job in [*batch, *self._queue]:
                    job.future.cancel()
                self._queue.clear()
                raise
            except Exception as exc:  # the worker thread could not run
                results = [exc] * len(batch)
            for job, result in zip(batch, results, strict=False):
                if job.future.done():  # the client went away
                    continue
                if isinstance(result, BaseException):
                    job.future.set_exception(result)
                else:
                    job.future.set_result(result)
