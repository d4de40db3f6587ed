"""What a stage returns: small typed results that a run summary renders (see :mod:`smelter.artifacts`).

Stages return these instead of nested dicts; flows collect them (in dicts or lists, by the names
the flow chooses) and ``publish_run_summary`` finds them by type. ``as_plain`` turns any result
(or a structure holding results) into plain JSON-able values for the command line and the UI.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any


@dataclass(frozen=True)
class DatasetPublished:
    """A dataset version a stage published (or found unchanged: ``new`` False)."""

    dataset: str  # "layer/name"
    version: str
    rows: int | None
    new: bool = True
    quality: str | None = None  # the quality gate's one-line summary, when the dataset has a suite
    detail: str | None = None  # e.g. "model demand-forecast v3, engine pandas"
    path: str | None = None

    @classmethod
    def of(cls, pub: Any, *, quality: str | None = None, detail: str | None = None) -> DatasetPublished:
        """The result of a new version ``pub`` (a :class:`smelter.lake.Published`)."""
        return cls(pub.dataset, pub.version, pub.rows, True, quality, detail, str(pub.path))

    @property
    def layer(self) -> str:
        return self.dataset.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.dataset.split("/", 1)[1]


@dataclass(frozen=True)
class ModelTrained:
    """An MLflow training run: its id, the data version it learnt from and its metrics."""

    run_id: str
    experiment: str
    data_version: str | None
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class GateChecked:
    """A gate a model had to pass before registration (e.g. MCMC convergence)."""

    name: str
    passed: bool
    message: str


@dataclass(frozen=True)
class ModelRegistered:
    """The registry's answer for one run: the version, and whether it became ``@champion`` and why."""

    model_name: str
    version: str | None  # None when the run was not registered (a gate failed)
    promoted: bool
    reason: str

    @property
    def registered(self) -> bool:
        return self.version is not None


@dataclass(frozen=True)
class DesignSolved:
    """One optimisation solve: the headline numbers per scenario (e.g. per threshold)."""

    scenario: dict[str, Any]
    status: str
    objective: float | None
    gap: float | None
    seconds: float


@dataclass(frozen=True)
class DriftChecked:
    """What a scoring run's drift monitor found: ``drifted`` (None: no baseline), the flagged features, one row
    per feature and statistic (``feature``, ``statistic``, ``value``, ``threshold``, ``flagged``), the
    monitoring run in MLflow, the Prefect artifact with the full report (key and id) and a note."""

    model: str
    drifted: bool | None
    flagged: list[str] = field(default_factory=list)
    run_id: str | None = None
    note: str = ""
    statistics: list[dict] = field(default_factory=list)
    artifact_key: str | None = None
    artifact_id: str | None = None


def as_plain(value: Any) -> Any:
    """Results (dataclasses), dicts, lists and tuples -> plain dicts/lists of JSON-able values."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): as_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_plain(v) for v in value]
    return value


def find(value: Any, kind: type) -> list:
    """Every result of type ``kind`` inside ``value`` (dicts, lists, tuples), in order."""
    if isinstance(value, kind):
        return [value]
    if isinstance(value, dict):
        return [r for v in value.values() for r in find(v, kind)]
    if isinstance(value, (list, tuple)):
        return [r for v in value for r in find(v, kind)]
    return []
