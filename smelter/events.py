"""Smelter's custom Prefect events, which ``prefect.yaml`` deployment triggers follow.

``smelter.gold.published`` (resource ``smelter.dataset.gold.<name>``): a refine run published a new gold
version; ``smelter.drift.detected`` (resource ``smelter.model.<name>``): a scoring batch drifted from the
training data of the model version that scored it. Emitted inside a flow run, an event is related to it.
"""

from __future__ import annotations

from typing import Any

GOLD_PUBLISHED = "smelter.gold.published"
DRIFT_DETECTED = "smelter.drift.detected"


def dataset_resource(dataset: str) -> str:
    """``gold/demand_features`` -> ``smelter.dataset.gold.demand_features``."""
    return "smelter.dataset." + dataset.replace("/", ".")


def model_resource(model_name: str) -> str:
    return f"smelter.model.{model_name}"


def emit_gold_published(dataset: str, version: str, rows: int | None) -> Any:
    """The event for a new gold version (returns the emitted event, None where events are off)."""
    from prefect.events import emit_event

    return emit_event(
        event=GOLD_PUBLISHED,
        resource={"prefect.resource.id": dataset_resource(dataset), "prefect.resource.name": dataset},
        payload={"dataset": dataset, "version": version, "rows": rows},
    )


def emit_drift_detected(model_name: str, version: str, flagged: list[str], run_id: str | None) -> Any:
    """The event for a drifted batch: the model, its version, the flagged features, the monitoring run."""
    from prefect.events import emit_event

    return emit_event(
        event=DRIFT_DETECTED,
        resource={
            "prefect.resource.id": model_resource(model_name),
            "prefect.resource.name": model_name,
            "smelter.model.version": str(version),
        },
        payload={"model_name": model_name, "model_version": str(version), "flagged": flagged, "run_id": run_id},
    )
