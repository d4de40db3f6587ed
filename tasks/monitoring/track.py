"""Monitoring in MLflow: the training profile as an artifact of the training run, the drift report as a run
in ``<model>-monitoring`` linked to the model version (tags, and the version's ``last_drift_report`` tag).

:func:`load_profile` finds a version's baseline: the profile its training run logged, else one computed from
the gold training rows of the version that run names (``gold_version``), else None ("no baseline").
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from smelter.lake import Lake
from smelter.settings import Settings
from smelter.tracking import experiment_id
from tasks.monitoring.baseline import TrainingProfile
from tasks.monitoring.drift import DriftReport
from tasks.monitoring.specs import spec_for

log = logging.getLogger(__name__)
PROFILE_ARTIFACT = "monitoring/profile.json"  # in the training run of each model version
REPORT_ARTIFACT = "drift_report.json"  # in each monitoring run
VERSION_TAG = "last_drift_report"


def log_training_profile(model_name: str, gold: pd.DataFrame, source: str) -> None:
    """Log the profile of ``gold``'s training rows into the active MLflow run (models without a spec: none)."""
    import mlflow

    spec = spec_for(model_name)
    if spec is not None:
        mlflow.log_dict(spec.profile(gold, model_name, None, source).to_dict(), PROFILE_ARTIFACT)


@dataclass(frozen=True)
class Baseline:
    """A version's profile, or None with the reason there is none."""

    profile: TrainingProfile | None
    note: str


def load_profile(settings: Settings, model_name: str, version: str, run_id: str | None) -> Baseline:
    """The training profile of ``model_name`` v``version`` (see the module docstring)."""
    import mlflow

    if run_id is None:
        return Baseline(None, f"no baseline: {model_name} v{version} has no training run")
    try:
        data = mlflow.artifacts.load_dict(f"runs:/{run_id}/{PROFILE_ARTIFACT}")
        return Baseline(TrainingProfile.from_dict(data | {"model_version": version}), "logged at training")
    except Exception as exc:  # an older version: no profile logged
        log.info("%s v%s: no logged profile (%s); computing one from gold", model_name, version, exc)
    spec = spec_for(model_name)
    if spec is None:
        return Baseline(None, f"no baseline: {model_name} v{version} logged no profile and has no monitoring spec")
    gold_version = mlflow.get_run(run_id).data.params.get("gold_version")
    try:
        lake = Lake.of(settings)
        gold = lake.read_pandas(spec.gold, gold_version)
    except Exception as exc:
        return Baseline(None, f"no baseline: {model_name} v{version} logged no profile and {spec.gold.key}"
                              f"@{gold_version} cannot be read ({exc})")  # fmt: skip
    source = f"{spec.gold.key}@{gold_version or lake.current_version(spec.gold)}"
    return Baseline(spec.profile(gold, model_name, version, source), f"computed from {source}")


def log_drift_run(settings: Settings, report: DriftReport, model_uri: str, source: str) -> str:
    """A run in ``<model>-monitoring``: metrics, tags (model name/version/uri, batch source, drifted) and the
    report as JSON; sets the version's ``last_drift_report`` tag. Returns the run id."""
    import mlflow
    from mlflow import MlflowClient

    name, version = report.model_name, str(report.model_version)
    tags = {"model_name": name, "model_version": version, "model_uri": model_uri, "batch_source": source}
    run_name = f"drift-v{version}-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    with mlflow.start_run(experiment_id=experiment_id(settings, f"{name}-monitoring"), run_name=run_name) as run:
        mlflow.set_tags(tags | {"drifted": str(report.drifted), "flagged": ",".join(report.flagged)})
        mlflow.log_metrics(report.metrics())
        mlflow.log_dict(report.to_dict(), REPORT_ARTIFACT)
    summary = {"run_id": run.info.run_id, "drifted": report.drifted, "flagged": report.flagged, "source": source}
    MlflowClient().set_model_version_tag(name, version, VERSION_TAG, json.dumps(summary))
    return run.info.run_id
