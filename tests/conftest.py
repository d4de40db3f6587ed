"""Shared fixtures: settings rooted in a temporary folder, one Spark session per test run."""
from __future__ import annotations

from pathlib import Path

import pytest

from smelter.settings import Settings, SparkSettings, load_settings


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    """Settings whose lake and MLflow store live in ``tmp_path`` (never the real data/ or mlruns/)."""
    return load_settings(
        data_root=tmp_path / "data",
        mlruns_root=tmp_path / "mlruns",
        spark=SparkSettings(master="local[1]", shuffle_partitions=1, driver_memory="1g"),
    )


@pytest.fixture(scope="session")
def spark():
    """One local Spark session shared by every test of the run."""
    from smelter.spark import get_spark, stop_spark

    session = get_spark(SparkSettings(master="local[1]", shuffle_partitions=1, driver_memory="1g"))
    yield session
    stop_spark()
