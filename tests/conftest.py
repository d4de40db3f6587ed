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


def _lake_snapshot() -> dict[str, float]:
    from smelter.settings import PROJECT_ROOT

    files = {}
    for top in ("data", "mlruns"):
        for path in (PROJECT_ROOT / top).rglob("*"):
            files[str(path)] = path.stat().st_mtime if path.exists() else 0.0
    return files


def pytest_sessionstart(session):
    session.config._smelter_lake = _lake_snapshot()


def pytest_sessionfinish(session, exitstatus):
    """Tests must never write into the real data/ or mlruns/: fail the run if they did."""
    before = getattr(session.config, "_smelter_lake", None)
    if before is None:
        return
    after = _lake_snapshot()
    changed = sorted(p for p in after.keys() | before.keys() if after.get(p) != before.get(p))
    if changed:
        print(f"\nTests wrote into the real data/ or mlruns/: {changed[:10]}")
        session.exitstatus = 1
