"""MLflow set-up and the registry's champion rule, shared by every model.

Tracking and registry default to SQLite in ``mlruns/mlflow.db`` with artifacts
in ``mlruns/artifacts``; ``settings.mlflow.tracking_uri`` points them at a
tracking server instead. Registry stages are deprecated: models are promoted by
moving the alias ``champion``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version

from smelter.settings import Settings

CHAMPION = "champion"


def configure_mlflow(settings: Settings) -> str:
    """Point MLflow at the configured stores; returns the tracking URI.

    Start runs in an experiment from :func:`experiment_id`: MLflow's own ``Default`` experiment keeps
    its artifacts relative to the working directory.
    """
    import mlflow

    if settings.mlflow.tracking_uri is None:
        settings.mlruns_root.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(settings.tracking_uri)
    mlflow.set_registry_uri(settings.registry_uri)
    return settings.tracking_uri


def _ensure_experiment(settings: Settings, name: str) -> str:
    import mlflow

    found = mlflow.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    location = None
    if settings.mlflow.tracking_uri is None:
        location = (settings.artifact_root / name).as_uri()
    return mlflow.create_experiment(name, artifact_location=location)


def experiment_id(settings: Settings, name: str) -> str:
    """Get or create an experiment whose artifacts live under ``mlruns/artifacts/<name>``."""
    configure_mlflow(settings)
    return _ensure_experiment(settings, name)


def pip_requirements(*packages: str) -> list[str]:
    """Exact pins of installed packages, so ``log_model`` need not infer them (~3 s each)."""
    pins = []
    for pkg in ("mlflow", "pandas", "numpy", "scikit-learn", "cloudpickle", *packages):
        try:
            pins.append(f"{pkg}=={version(pkg).split('+')[0]}")
        except PackageNotFoundError:
            continue
    return pins


@dataclass(frozen=True)
class Promotion:
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


def register_and_promote(
    model_uri: str, model_name: str, metric: str, score: float, higher_is_better: bool,
    run_id: str | None = None,
) -> Promotion:
    """Register ``model_uri`` as a new version; move ``@champion`` to it only if it beats the champion.

    The champion's score is read from the ``metric`` of the run that produced it.
    """
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient()
    mv = mlflow.register_model(model_uri, model_name, tags={metric: str(score)})
    try:
        champ = client.get_model_version_by_alias(model_name, CHAMPION)
    except MlflowException:
        champ = None
    champ_score = None
    if champ is not None and champ.run_id:
        champ_score = client.get_run(champ.run_id).data.metrics.get(metric)
    if champ is None or champ_score is None:
        promoted, reason = True, "first version with a score: becomes champion"
    else:
        better = score > champ_score if higher_is_better else score < champ_score
        promoted = bool(better)
        sign = ">" if higher_is_better else "<"
        reason = (f"{metric} {score:.6g} {sign} champion v{champ.version}'s {champ_score:.6g}" if promoted
                  else f"{metric} {score:.6g} does not beat champion v{champ.version}'s {champ_score:.6g}")
    if promoted:
        client.set_registered_model_alias(model_name, CHAMPION, mv.version)
    decision = Promotion(model_name, str(mv.version), metric, float(score),
                         str(champ.version) if champ else None, champ_score, promoted, reason)
    client.set_model_version_tag(model_name, mv.version, "champion_decision", reason)
    if run_id:
        client.log_param(run_id, "registered_version", mv.version)
        client.set_tag(run_id, "champion_decision", reason)
        client.log_metric(run_id, "promoted", float(promoted))
        if champ_score is not None:
            client.log_metric(run_id, f"champion_{metric}", champ_score)
    return decision
