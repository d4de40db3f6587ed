"""One name per pipeline, and the rule every other name follows from it.

A pipeline is named once, in snake case (``demand_forecast``); its code lives in ``tasks/<name>/``
and ``flows/<name>.py``. From that name:

==================  ===============================  ==========================================
what                rule                             demand_forecast
==================  ===============================  ==========================================
flow                ``<kebab>`` or ``<kebab>-<stage>``  ``demand-forecast``, ``demand-forecast-train``
task                ``<kebab>.<step>``                ``demand-forecast.refine-sales``
deployment          ``<flow>/<cadence>``              ``demand-forecast-refine/daily``
MLflow experiment   ``<kebab>``                       ``demand-forecast``
registered model    ``<kebab>``                       ``demand-forecast`` (``@champion``)
==================  ===============================  ==========================================

Datasets are nouns in the catalog (``gold/demand_features``), never derived from a step name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHAMPION = "champion"
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
_STEP = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Pipeline:
    """The names of one pipeline, all derived from ``name`` (snake case)."""

    name: str

    def __post_init__(self) -> None:
        if not _SNAKE.match(self.name):
            raise ValueError(f"pipeline name {self.name!r} must be snake case, like 'demand_forecast'")

    @property
    def kebab(self) -> str:
        return self.name.replace("_", "-")

    def flow(self, stage: str | None = None) -> str:
        """The flow name: the pipeline's own, or ``<pipeline>-<stage>`` for one stage of it."""
        return self.kebab if stage is None else f"{self.kebab}-{_checked(stage)}"

    def task(self, step: str) -> str:
        """The task name ``<pipeline>.<step>`` (step: a verb phrase in kebab case, e.g. ``refine-sales``)."""
        return f"{self.kebab}.{_checked(step)}"

    @property
    def experiment(self) -> str:
        return self.kebab

    @property
    def model_name(self) -> str:
        return self.kebab

    def model_uri(self, alias: str = CHAMPION) -> str:
        """``models:/<pipeline>@<alias>``: what scoring and serving load by default."""
        return f"models:/{self.model_name}@{alias}"


def _checked(step: str) -> str:
    if not _STEP.match(step):
        raise ValueError(f"step {step!r} must be kebab case, like 'refine-sales'")
    return step


DEMAND_FORECAST = Pipeline("demand_forecast")
HEART_RISK = Pipeline("heart_risk")
NETWORK_DESIGN = Pipeline("network_design")
DATA_PROFILE = Pipeline("data_profile")
CAUSAL_EFFECTS = Pipeline("causal_effects")
PIPELINES = (DEMAND_FORECAST, HEART_RISK, NETWORK_DESIGN, DATA_PROFILE, CAUSAL_EFFECTS)
