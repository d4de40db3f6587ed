"""Serving fixtures: one endpoint per test module, serving a tiny registered model."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from smelter.settings import Settings, SparkSettings, load_settings
from tests.serving.serving_helpers import KEY, MODEL, register_tiny, running_server


@pytest.fixture(scope="session")
def serving_settings(tmp_path_factory) -> Settings:
    """Like the ``settings`` fixture, but one MLflow store for every serving test (creating one costs ~8 s)."""
    from mlflow import MlflowClient

    from smelter.tracking import configure_mlflow

    root = tmp_path_factory.mktemp("serving")
    settings = load_settings(
        data_root=root / "data",
        mlruns_root=root / "mlruns",
        spark=SparkSettings(master="local[1]", shuffle_partitions=1, driver_memory="1g"),
    )
    configure_mlflow(settings)
    MlflowClient().search_registered_models()  # creates the store here, not racing a server that reads it
    return settings


@pytest.fixture(scope="module")
def server(serving_settings: Settings, tmp_path_factory) -> Iterator[str]:
    """The endpoint serving a registered tiny model (v1), key required, at most 50 rows per request."""
    register_tiny(serving_settings, MODEL, scale=1.0)
    log = tmp_path_factory.mktemp("serving-log") / "server.log"
    with running_server(serving_settings, log, api_key=KEY, max_rows="50") as url:
        yield url
