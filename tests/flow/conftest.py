"""End-to-end fixtures: a real (temporary) Prefect API and settings rooted in tmp_path via the environment."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def prefect_api():
    """A temporary Prefect API (SQLite) for the whole test session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture()
def flow_settings(tmp_path, monkeypatch, prefect_api):
    """Point the settings every flow loads at ``tmp_path`` (lake and MLflow store) and local[1] Spark."""
    from smelter.settings import load_settings

    monkeypatch.setenv("SMELTER_DATA_ROOT", str(tmp_path / "data"))
    monkeypatch.setenv("SMELTER_MLRUNS_ROOT", str(tmp_path / "mlruns"))
    monkeypatch.setenv("SMELTER_SPARK__MASTER", "local[1]")
    monkeypatch.setenv("SMELTER_SPARK__SHUFFLE_PARTITIONS", "1")
    monkeypatch.setenv("SMELTER_SPARK__DRIVER_MEMORY", "1g")
    return load_settings()
