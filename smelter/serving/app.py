"""The HTTP layer of the online endpoint (Starlette on uvicorn): routes only.

``POST /score`` (Azure ML's path) and ``POST /invocations`` (MLflow's) score;
``GET /health`` is 200 once a model is loaded, else 503; ``GET /metadata`` names
the served model and its input schema; ``GET /monitoring`` compares the latest scored
rows (a :class:`~smelter.serving.window.RequestWindow`) with the served version's
training profile, through the ``monitor`` callable the app is given. Parsing and checks live in
:mod:`smelter.serving.payload` and :mod:`smelter.serving.schema`, the model in
:mod:`smelter.serving.holder`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import orjson
import pandas as pd
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from smelter.serving.batcher import Batcher
from smelter.serving.holder import ModelHolder, ServedModel
from smelter.serving.keys import bearer_ok
from smelter.serving.payload import RequestError, body_columns, parse_json
from smelter.serving.schema import typed_columns
from smelter.serving.window import RequestWindow

log = logging.getLogger(__name__)


def _json(content: Any, status: int = 200, headers: dict | None = None) -> Response:
    body = orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(body, status, headers, media_type="application/json")


def _error(status: int, message: str) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return _json({"error": message}, status, headers)


def jsonable(predictions: Any) -> Any:
    """Model output (ndarray, Series, DataFrame, list) -> a value orjson can write."""
    if isinstance(predictions, pd.DataFrame):
        return predictions.to_dict(orient="records")
    if isinstance(predictions, pd.Series):
        predictions = predictions.to_numpy()
    if isinstance(predictions, np.ndarray) and predictions.dtype.kind not in "biuf":
        return predictions.tolist()
    return predictions


def request_columns(raw: bytes, served: ServedModel, max_rows: int) -> dict[str, np.ndarray]:
    """Request bytes -> the model's typed input columns; bad input raises RequestError."""
    return typed_columns(body_columns(parse_json(raw), max_rows), served.types)


def create_app(
    holder: ModelHolder,
    api_key: str | None,
    max_rows: int,
    poll_seconds: float,
    combine: bool = True,
    monitor: Callable[[ServedModel, pd.DataFrame], dict] | None = None,
    monitor_rows: int = 10_000,
) -> Starlette:
    """The ASGI app; starting it starts the holder's alias poller, stopping it stops the poller.

    Concurrent requests are scored together by a :class:`Batcher` unless ``combine`` is False. With a
    ``monitor`` (served model, window rows -> statistics), the last ``monitor_rows`` scored rows are kept.
    """
    batcher = Batcher(max_rows, combine)
    window = RequestWindow(monitor_rows)

    async def score(request: Request) -> Response:
        if not bearer_ok(request.headers.get("authorization"), api_key):
            return _error(401, "missing or wrong key: send 'Authorization: Bearer <key>'")
        served = holder.current  # read once: this request keeps this version to the end
        if served is None:
            return _error(503, f"model {holder.ref.name} is not loaded yet")
        try:
            columns = request_columns(await request.body(), served, max_rows)
            predictions = await batcher.predict(served, columns)
        except RequestError as exc:
            return _error(exc.status, exc.message)
        except Exception as exc:
            if getattr(exc, "client_error", False):  # the model rejects the input (e.g. an unknown category)
                return _error(422, f"model {served.name} v{served.version}: {exc}")
            # the model itself failed on input that passed the checks
            log.exception("prediction failed")
            return _error(500, f"model {served.name} v{served.version} failed: {type(exc).__name__}: {exc}")
        if monitor is not None:
            window.add(served.version, columns)
        result = {"predictions": jsonable(predictions), "model": served.name, "version": served.version}
        return _json(result, headers={"X-Model-Name": served.name, "X-Model-Version": served.version})

    async def health(request: Request) -> Response:
        served = holder.current
        if served is None:
            return _json({"status": "loading", "error": holder.last_error}, 503)
        return _json({"status": "ready", "model": served.name, "version": served.version})

    def served_or_error(request: Request) -> ServedModel | Response:
        """The served model for a keyed request, else the 401 or 503 answer."""
        if not bearer_ok(request.headers.get("authorization"), api_key):
            return _error(401, "missing or wrong key: send 'Authorization: Bearer <key>'")
        served = holder.current
        return _error(503, f"model {holder.ref.name} is not loaded yet") if served is None else served

    async def metadata(request: Request) -> Response:
        served = served_or_error(request)
        return served if isinstance(served, Response) else _json(served.metadata())

    async def monitoring(request: Request) -> Response:
        served = served_or_error(request)
        if isinstance(served, Response):
            return served
        if monitor is None:
            return _error(404, "monitoring is off for this endpoint")
        version, rows = window.frame()
        if version != served.version or rows.empty:
            return _json({"model": served.name, "version": served.version, "window_rows": 0, "drifted": None,
                          "note": "no scored requests on this version yet"})  # fmt: skip
        try:
            return _json(await asyncio.to_thread(monitor, served, rows))
        except Exception as exc:
            log.exception("monitoring failed")
            return _error(500, f"monitoring {served.name} v{served.version} failed: {type(exc).__name__}: {exc}")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        holder.start(poll_seconds)
        yield
        holder.stop()

    routes = [
        Route("/score", score, methods=["POST"]),
        Route("/invocations", score, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/metadata", metadata, methods=["GET"]),
        Route("/monitoring", monitoring, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
