"""Shared fixtures and the run's house rules.

* Isolation: at session start every ``SMELTER_*`` variable is removed, ``SMELTER_CONFIG`` names an
  empty file (a developer's ``smelter.toml`` is never read) and ``PREFECT_HOME`` is a fresh folder (parallel
  runs never share ``~/.prefect``); the environment is restored at the end.
* Tiers: each test is marked with the tier of its folder (``tests/unit`` -> ``unit`` ...), so
  ``pytest -m unit`` runs one tier; a test outside a tier folder is a usage error.
* Fixtures: settings rooted in a temporary folder, one Spark session per test run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from smelter.settings import ENV_PREFIX, Settings, SparkSettings, load_settings

TESTS_DIR = Path(__file__).resolve().parent
# folder name == marker name (pyproject declares them)
TIERS = ("unit", "model", "spark", "flow", "serving", "deploy", "cluster")
_saved_env = pytest.StashKey[dict[str, str]]()
_session_home = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    """Isolate the run from the developer's Smelter and Prefect configuration (see the module docstring)."""
    config.stash[_saved_env] = os.environ.copy()
    home = config.stash[_session_home] = Path(tempfile.mkdtemp(prefix="smelter-tests-"))
    for name in [n for n in os.environ if n.upper().startswith(ENV_PREFIX)]:
        del os.environ[name]
    (home / "smelter.toml").write_text("")
    (home / "prefect").mkdir()
    os.environ["SMELTER_CONFIG"] = str(home / "smelter.toml")
    os.environ["PREFECT_HOME"] = str(home / "prefect")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Give the environment back as it was before the run (matters when pytest runs in-process)."""
    saved = config.stash.get(_saved_env, None)
    if saved is not None:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(config.stash[_session_home], ignore_errors=True)


def tier_of(path: Path) -> str | None:
    """The tier of a test file: the first folder below ``tests/`` if it is one of :data:`TIERS`."""
    try:
        top = path.resolve().relative_to(TESTS_DIR).parts[0]
    except ValueError:
        return None
    return top if top in TIERS else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test with its folder's tier; refuse tests that sit in no tier folder."""
    untiered = set()
    for item in items:
        tier = tier_of(item.path)
        if tier is None:
            untiered.add(str(item.path))
        else:
            item.add_marker(tier)
    if untiered:
        raise pytest.UsageError(f"tests outside a tier folder {TIERS}: {sorted(untiered)}")


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
