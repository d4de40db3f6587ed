"""``python -m smelter.serving``: run the online endpoint.

Every option defaults to ``settings.serving`` (``smelter.toml``, ``SMELTER_SERVING__*``);
the key only ever comes from the environment or a key file.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from smelter.settings import ServingSettings, load_settings


def parse_args(argv: list[str] | None = None) -> dict:
    """Command line -> overrides of ServingSettings fields (only the options given)."""
    p = argparse.ArgumentParser(prog="python -m smelter.serving", description=__doc__.splitlines()[0])
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--model-uri", help="models:/<name>@<alias> or models:/<name>/<version>")
    p.add_argument("--api-key-file", type=Path, help="file holding the key (outside the repository)")
    p.add_argument("--max-rows", type=int, help="most rows one request may score (more: 413)")
    p.add_argument("--alias-poll-seconds", type=float, help="how often the alias is re-resolved")
    p.add_argument(
        "--no-batching",
        dest="batch_requests",
        action="store_const",
        const=False,
        help="score every request in its own model call",
    )
    return {k: v for k, v in vars(p.parse_args(argv)).items() if v is not None}


def serve(serving: ServingSettings, monitor: Any = None) -> None:
    """Run uvicorn on ``serving.host:serving.port`` until interrupted (tracking must be configured);
    ``monitor`` answers ``GET /monitoring`` (see :func:`tasks.monitoring.online.online_monitor`)."""
    import uvicorn

    from smelter.registry import parse_model_uri
    from smelter.serving.app import create_app
    from smelter.serving.holder import ModelHolder
    from smelter.serving.keys import resolve_api_key

    holder = ModelHolder(parse_model_uri(serving.model_uri))
    key = resolve_api_key(serving)
    app = create_app(
        holder, key, serving.max_rows, serving.alias_poll_seconds, serving.batch_requests, monitor, serving.monitor_rows
    )
    logging.getLogger(__name__).warning(
        "serving %s on http://%s:%d (key %s)",
        serving.model_uri,
        serving.host,
        serving.port,
        "required" if key else "not required",
    )
    uvicorn.run(
        app,
        host=serving.host,
        port=serving.port,
        log_level="warning",
        access_log=False,
        loop="asyncio",
        http="h11",
        lifespan="on",
    )


def main(argv: list[str] | None = None) -> None:
    from smelter.scoring import limit_model_threads
    from smelter.tracking import configure_mlflow

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    serving = settings.serving.model_copy(update=parse_args(argv))
    limit_model_threads(serving.model_threads)
    configure_mlflow(settings)
    from tasks.monitoring.online import online_monitor

    serve(serving, online_monitor(settings))


if __name__ == "__main__":
    main()
