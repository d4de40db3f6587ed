"""Prefect tasks every batch-scoring flow runs around scoring: check the batch's columns before scoring
(nothing is published when one is unknown), and monitor drift after it.

Task names: ``monitoring.<step>``. The monitor publishes the ``drift-report`` markdown artifact, logs the
report to MLflow (:mod:`tasks.monitoring.track`) and emits ``smelter.drift.detected`` when drifted.
"""

from __future__ import annotations

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from smelter.catalog import Dataset
from smelter.events import emit_drift_detected
from smelter.hooks import retry_transient
from smelter.lake import Lake
from smelter.registry import resolve
from smelter.results import DriftChecked
from smelter.settings import Settings
from smelter.tracking import configure_mlflow
from tasks.common.score_inputs import describe_input, held_out, input_batches
from tasks.monitoring.drift import check_batch_columns, drift_report
from tasks.monitoring.report import drift_markdown, no_baseline_markdown, statistic_rows
from tasks.monitoring.specs import monitored_rows
from tasks.monitoring.track import load_profile, log_drift_run

MONITOR_ROWS = 100_000  # a larger batch is compared through a seeded sample of this many rows
ARTIFACT_KEY = "drift-report"


@task(name="monitoring.check-batch-columns", cache_policy=NO_CACHE, retry_condition_fn=retry_transient)
def check_batch_columns_stage(
    settings: Settings, model_uri: str, input_path: str | None, default_input: Dataset
) -> str:
    """An :class:`~tasks.monitoring.drift.UnknownColumnError` when the batch has a column the model's training
    data never had; returns what the check was made against."""
    configure_mlflow(settings)
    resolved = resolve(model_uri)
    baseline = load_profile(settings, resolved.name, resolved.version, resolved.run_id)
    if baseline.profile is None:
        return baseline.note
    given = describe_input(Lake.of(settings), input_path, default_input)
    check_batch_columns(baseline.profile, given["columns"], given["source"])
    return f"columns checked against {baseline.profile.source}"


def sampled_batch(lake: Lake, given: dict, default_input: Dataset, limit: int) -> pd.DataFrame:
    """At most about ``limit`` rows of the scored input, every k-th row, read a batch at a time: memory
    follows the sample, not the input."""

    columns = list(given["columns"])
    step = max(1, -(-int(given["rows"] or 0) // limit))
    if given["path"] is None:
        reader = held_out(lake, default_input).batches(columns, 65_536)
    else:
        reader = input_batches(given["path"], columns, 65_536)
    parts, seen = [], 0
    for record_batch in reader:
        frame = record_batch.to_pandas()
        offset = (-seen) % step
        parts.append(frame.iloc[offset::step])
        seen += len(frame)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


@task(name="monitoring.monitor-drift", cache_policy=NO_CACHE, retry_condition_fn=retry_transient)
def monitor_drift_stage(
    settings: Settings, model_uri: str, input_path: str | None, default_input: Dataset
) -> DriftChecked:
    """The scored batch against the training profile of the pinned ``model_uri``: artifact, MLflow run, event."""
    import mlflow.pyfunc
    from prefect.artifacts import create_markdown_artifact

    configure_mlflow(settings)
    resolved = resolve(model_uri)
    lake = Lake.of(settings)
    given = describe_input(lake, input_path, default_input)
    baseline = load_profile(settings, resolved.name, resolved.version, resolved.run_id)
    if baseline.profile is None:
        artifact = create_markdown_artifact(markdown=no_baseline_markdown(resolved.uri, baseline.note, given["source"]),
                                            key=ARTIFACT_KEY, description=f"Drift of {resolved.uri}")  # fmt: skip
        return DriftChecked(
            resolved.name, None, note=baseline.note, artifact_key=ARTIFACT_KEY, artifact_id=str(artifact)
        )
    batch = sampled_batch(lake, given, default_input, MONITOR_ROWS)
    check_batch_columns(baseline.profile, batch.columns, given["source"])
    batch = monitored_rows(resolved.name, mlflow.pyfunc.load_model(resolved.uri), batch)
    report = drift_report(baseline.profile, batch, source=given["source"])
    run_id = log_drift_run(settings, report, resolved.uri, given["source"])
    artifact = create_markdown_artifact(markdown=drift_markdown(report, given["source"], run_id), key=ARTIFACT_KEY,
                                        description=f"Drift of {given['source']} against {resolved.uri}")  # fmt: skip
    if report.drifted:
        emit_drift_detected(resolved.name, resolved.version, report.flagged, run_id)
    return DriftChecked(resolved.name, report.drifted, report.flagged, run_id, baseline.note,
                        statistic_rows(report), ARTIFACT_KEY, str(artifact))  # fmt: skip
