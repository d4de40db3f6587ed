"""The model registry as every stage sees it: ``models:/`` URIs, aliases, signatures, the champion rule.

Training registers through :func:`register_and_promote`, batch scoring and serving
name models by URI (:func:`parse_model_uri`, :func:`resolve`) and read their input
columns with :func:`input_columns`. MLflow is imported inside the functions that
talk to the registry (its URIs must be set first: ``smelter.tracking.configure_mlflow``).
Models are promoted by moving the alias ``champion``; registry stages are not used.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from smelter.naming import CHAMPION

if TYPE_CHECKING:  # pragma: no cover
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

DECISION_TAG = "promotion"  # model version tag: the champion decision as JSON, written once per version
_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:@(?P<alias>[^/@]+)|/(?P<version>\d+))$")
_RUN_URI = re.compile(r"^runs:/(?P<run_id>[^/]+)/")


@dataclass(frozen=True)
class ModelRef:
    """A registered model by alias (followed as it moves) or by version (fixed): exactly one of the two."""

    name: str
    alias: str | None = None
    version: str | None = None

    def __post_init__(self) -> None:
        if (self.alias is None) == (self.version is None):
            raise ValueError(f"model {self.name!r} needs an alias or a version, not both or neither")

    @property
    def uri(self) -> str:
        """``models:/name@alias`` or ``models:/name/version``."""
        return f"models:/{self.name}@{self.alias}" if self.alias else f"models:/{self.name}/{self.version}"

    def pinned(self, version: str | int) -> ModelRef:
        """The same model fixed at ``version``."""
        return ModelRef(self.name, version=str(version))


def parse_model_uri(uri: str) -> ModelRef:
    """``models:/name@alias`` or ``models:/name/3`` -> ModelRef; anything else is a ValueError."""
    match = _URI.match(uri)
    if not match:
        raise ValueError(
            f"model URI {uri!r} must name a registered model: models:/<name>@<alias> or models:/<name>/<version>"
        )
    return ModelRef(match["name"], match["alias"], match["version"])


def champion_uri(name: str) -> str:
    """``models:/<name>@champion``: the version the champion rule last promoted."""
    return ModelRef(name, alias=CHAMPION).uri


@dataclass(frozen=True)
class ResolvedVersion:
    """The registry's answer for a URI at one moment: a concrete version and where it came from."""

    name: str
    version: str
    run_id: str | None
    source: str

    @property
    def uri(self) -> str:
        """``models:/name/version``: this version, wherever the alias moves later."""
        return ModelRef(self.name, version=self.version).uri


def resolve(ref_or_uri: ModelRef | str) -> ResolvedVersion:
    """An alias or version of a registered model -> the version it names now (an MlflowException if none)."""
    from mlflow import MlflowClient

    ref = parse_model_uri(ref_or_uri) if isinstance(ref_or_uri, str) else ref_or_uri
    client = MlflowClient()
    if ref.alias is not None:
        mv = client.get_model_version_by_alias(ref.name, ref.alias)
    else:
        mv = client.get_model_version(ref.name, str(ref.version))
    return ResolvedVersion(ref.name, str(mv.version), mv.run_id or None, mv.source or "")


@dataclass(frozen=True)
class InputColumns:
    """A model's named inputs: required and optional column names, and ``{column: (MLflow type, required)}``
    (``types`` is None for a model without a column signature: its columns go unchecked)."""

    required: list[str]
    optional: list[str]
    types: dict[str, tuple[str, bool]] | None


def input_columns(pyfunc_or_schema: Any) -> InputColumns:
    """A loaded pyfunc (or its input ``mlflow.types.Schema``, or None) -> its :class:`InputColumns`.

    No signature, or one without names: no columns and no types. A named tensor signature
    lists its names but has no column types.
    """
    schema = pyfunc_or_schema
    if schema is not None and hasattr(schema, "metadata"):
        schema = schema.metadata.get_input_schema()
    if schema is None or not schema.has_input_names():
        return InputColumns([], [], None)
    flags = [(spec.name, getattr(spec, "required", True)) for spec in schema.inputs]
    types = None
    if not schema.is_tensor_spec():
        types = {c.name: (getattr(c.type, "name", str(c.type)), c.required) for c in schema.inputs}
    return InputColumns([n for n, req in flags if req], [n for n, req in flags if not req], types)


@dataclass(frozen=True)
class Promotion:
    """The champion rule's decision for one registered version."""

    model_name: str
    version: str
    metric: str
    score: float
    champion_version: str | None
    champion_score: float | None
    promoted: bool
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


def beats(score: float, champion_score: float | None, higher_is_better: bool) -> bool:
    """The champion rule: a challenger wins when there is no champion score or it strictly beats it."""
    if champion_score is None:
        return True
    return score > champion_score if higher_is_better else score < champion_score


def register_and_promote(
    model_uri: str, model_name: str, metric: str, score: float, higher_is_better: bool, run_id: str | None = None
) -> Promotion:
    """Register ``model_uri`` as a version of ``model_name``; move ``@champion`` to it only if it beats the
    champion, whose score is the ``metric`` of the run that produced it. With ``run_id`` the decision is
    also logged to that run (param ``registered_version``, metric ``promoted``, tag ``champion_decision``).

    Idempotent, so a retried task may call it again: a version already registered from the same run
    (from ``model_uri`` when no run is given) is reused; the decision recorded on it stands while the
    champion it was compared with still holds, and a call cut off before the alias moved finishes the move.
    """
    import mlflow
    from mlflow import MlflowClient

    client = MlflowClient()
    mv = registered_version(client, model_name, model_uri, run_id) or mlflow.register_model(
        model_uri, model_name, tags={metric: str(score)}
    )
    version = str(mv.version)
    champ = _champion(client, model_name)
    champ_version = str(champ.version) if champ is not None else None
    decision = recorded_decision(mv)
    if decision is None or champ_version not in (version, decision.champion_version):
        decision = decide(client, champ, model_name, version, metric, score, higher_is_better)
        client.set_model_version_tag(model_name, version, "champion_decision", decision.reason)
        client.set_model_version_tag(model_name, version, DECISION_TAG, json.dumps(decision.to_dict()))
    if decision.promoted and champ_version != version:
        client.set_registered_model_alias(model_name, CHAMPION, version)
    if run_id:
        _log_decision(client, run_id, decision)
    return decision


def registered_version(
    client: MlflowClient, name: str, model_uri: str, run_id: str | None = None
) -> ModelVersion | None:
    """The first version of ``name`` registered from ``run_id`` (else from the run of a ``runs:/`` URI,
    else from ``model_uri`` itself); None when there is none."""
    run_match = _RUN_URI.match(model_uri)
    run = run_id or (run_match["run_id"] if run_match else None)
    key, value = ("run_id", run) if run else ("source_path", model_uri)
    if "'" in name or "'" in value:
        raise ValueError(f"model name {name!r} and {key} {value!r} must not contain a single quote")
    found = client.search_model_versions(f"name='{name}' and {key}='{value}'")
    return min(found, key=lambda mv: int(mv.version), default=None)


def recorded_decision(mv: ModelVersion) -> Promotion | None:
    """The champion decision an earlier call stored on ``mv``, if any."""
    raw = (mv.tags or {}).get(DECISION_TAG)
    return Promotion(**json.loads(raw)) if raw else None


def _champion(client: MlflowClient, name: str) -> ModelVersion | None:
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(name, CHAMPION)
    except MlflowException:
        return None


def decide(
    client: MlflowClient,
    champ: ModelVersion | None,
    name: str,
    version: str,
    metric: str,
    score: float,
    higher_is_better: bool,
) -> Promotion:
    """The champion rule for ``version`` against ``champ`` (the version ``@champion`` names, or None)."""
    champ_version = str(champ.version) if champ is not None else None
    champ_score = None
    if champ is not None and champ.run_id:
        champ_score = client.get_run(champ.run_id).data.metrics.get(metric)
    promoted = champ_version == version or beats(score, champ_score, higher_is_better)
    if champ_version == version:
        reason = f"v{version} is already champion"
    elif champ_score is None:
        reason = "first version with a score: becomes champion"
    else:
        sign = ">" if higher_is_better else "<"
        reason = (
            f"{metric} {score:.6g} {sign} champion v{champ_version}'s {champ_score:.6g}"
            if promoted
            else f"{metric} {score:.6g} does not beat champion v{champ_version}'s {champ_score:.6g}"
        )
    return Promotion(name, version, metric, float(score), champ_version, champ_score, promoted, reason)


def _log_decision(client: MlflowClient, run_id: str, decision: Promotion) -> None:
    """Log the decision to the run in one batch, unless an earlier call already did."""
    import time

    from mlflow.entities import Metric, Param, RunTag

    if client.get_run(run_id).data.params.get("registered_version") == decision.version:
        return
    now = int(time.time() * 1000)
    metrics = [Metric("promoted", float(decision.promoted), now, 0)]
    if decision.champion_score is not None:
        metrics.append(Metric(f"champion_{decision.metric}", decision.champion_score, now, 0))
    client.log_batch(
        run_id,
        metrics=metrics,
        params=[Param("registered_version", decision.version)],
        tags=[RunTag("champion_decision", decision.reason)],
    )
