"""MLflow set-up shared by every model: stores, experiments, pinned pip requirements.

Tracking and registry default to SQLite in ``mlruns/mlflow.db`` with artifacts
in ``mlruns/artifacts``; ``settings.mlflow.tracking_uri`` points them at a
tracking server instead. The registry (URIs, aliases, the champion rule) is
:mod:`smelter.registry`.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from smelter.settings import Settings


def configure_mlflow(settings: Settings) -> str:
    """Point MLflow at the configured stores; returns the tracking URI.

    Start runs in an experiment from :func:`experiment_id`: MLflow's own ``Default`` experiment keeps
    its artifacts relative to the working directory.
    """
    import mlflow

    if settings.mlflow.tracking_uri is None:
        settings.mlruns_root.mkdir(parents=True, exist_ok=True)
    else:
        check_tracking_server(settings.mlflow.tracking_uri)
    mlflow.set_tracking_uri(settings.tracking_uri)
    mlflow.set_registry_uri(settings.registry_uri)
    return settings.tracking_uri


class TrackingServerError(RuntimeError):
    """The configured MLflow tracking server does not answer."""


_answered: set[str] = set()  # tracking servers that answered /health in this process


def check_tracking_server(uri: str, timeout: float = 5.0) -> None:
    """An ``http(s)://`` tracking URI must answer ``GET /health`` within ``timeout`` seconds (once per process),
    else :class:`TrackingServerError` naming the setting and the address: nothing is logged or registered."""
    import urllib.error
    import urllib.request

    if not uri.startswith(("http://", "https://")) or uri in _answered:
        return
    try:
        with urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=timeout) as answer:
            answer.read()
    except (OSError, urllib.error.URLError) as exc:
        raise TrackingServerError(
            f"settings mlflow.tracking_uri (SMELTER_MLFLOW__TRACKING_URI) = {uri!r}: the MLflow tracking server "
            f"does not answer ({exc}); start it (make mlflow-server) or fix the setting"
        ) from exc
    _answered.add(uri)


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
