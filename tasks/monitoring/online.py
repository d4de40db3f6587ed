"""Drift of the endpoint's recent requests against the served version's training profile (``GET /monitoring``).

:func:`online_monitor` returns the callable :func:`smelter.serving.app.create_app` takes: the served model and
the window's rows -> the same statistics as batch monitoring, as JSON-able values. Baselines are loaded once
per served version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from smelter.settings import Settings
from tasks.monitoring.drift import drift_report
from tasks.monitoring.specs import monitored_rows
from tasks.monitoring.track import Baseline, load_profile


def online_monitor(settings: Settings) -> Callable[[Any, pd.DataFrame], dict]:
    """``monitor(served, rows) -> dict``: ``baseline`` (where it came from), ``drifted``, ``flagged``,
    ``features`` (per-feature statistics) and ``thresholds``; without a baseline, ``drifted`` is None and
    ``note`` says why."""
    from mlflow import MlflowClient

    baselines: dict[tuple[str, str], Baseline] = {}

    def monitor(served: Any, rows: pd.DataFrame) -> dict:
        key = (served.name, served.version)
        if key not in baselines:
            run_id = MlflowClient().get_model_version(served.name, served.version).run_id or None
            baselines[key] = load_profile(settings, served.name, served.version, run_id)
        baseline = baselines[key]
        head = {"model": served.name, "version": served.version, "window_rows": len(rows)}
        if baseline.profile is None:
            return head | {"drifted": None, "note": baseline.note}
        report = drift_report(baseline.profile, monitored_rows(served.name, served.model, rows), source="requests")
        return head | {"baseline": baseline.profile.source, "note": baseline.note} | report.to_dict()

    return monitor
