"""The training run in MLflow: sample the posterior, check convergence, register behind the gate.

Tasks pass only the run id (and small results); the posterior draws travel as the run's
``posterior/draws.npz`` artifact. Evaluation lives in :mod:`tasks.heart_risk.evaluate`.
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from pathlib import Path

import numpy as np

from smelter.catalog import GOLD_HEART_FEATURES
from smelter.lake import Lake
from smelter.naming import HEART_RISK as P
from smelter.registry import register_and_promote
from smelter.results import GateChecked, ModelRegistered
from smelter.settings import Settings
from smelter.tracking import experiment_id
from tasks.heart_risk import plots
from tasks.heart_risk.diagnostics import GateResult, convergence_gate, convergence_table, parameter_draws
from tasks.heart_risk.features import design, read_features
from tasks.heart_risk.sampling import NutsConfig, Posterior, sample_posterior
from tasks.monitoring.track import log_training_profile

EXPERIMENT = P.experiment
MODEL_NAME = P.model_name
CHAMPION_METRIC = "test_roc_auc"
DRAWS = "posterior/draws.npz"


def load_posterior(run_id: str) -> Posterior:
    """The draws logged by :func:`sample_and_log` for ``run_id``."""
    import mlflow

    with np.load(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=DRAWS)) as npz:
        return Posterior(npz["w"], npz["b"])


def sample_and_log(settings: Settings, cfg: NutsConfig, run_name: str | None = None) -> str:
    """Start a run, sample the posterior on gold's training rows, log params, draws and timing; run id."""
    import mlflow

    gold, prep = read_features(settings)
    x, y = design(gold, "train")
    version = Lake.of(settings).current_version(GOLD_HEART_FEATURES)
    with mlflow.start_run(experiment_id=experiment_id(settings, EXPERIMENT), run_name=run_name) as run:
        mlflow.log_params(
            {
                **asdict(cfg),
                "gold_version": version,
                "train_rows": len(y),
                "test_rows": int((gold["split"] == "test").sum()),
                "features": len(prep.feature_names),
            }
        )
        mlflow.log_dict({"features": prep.feature_names}, "posterior/features.json")
        log_training_profile(MODEL_NAME, gold, f"{GOLD_HEART_FEATURES.key}@{version}")
        posterior = sample_posterior(x, y, cfg)
        with tempfile.TemporaryDirectory(prefix="heart-draws-") as tmp:
            np.savez(Path(tmp) / "draws.npz", w=posterior.w, b=posterior.b)
            mlflow.log_artifact(str(Path(tmp) / "draws.npz"), "posterior")
        mlflow.log_dict({"chains": posterior.chain_stats}, "posterior/chains.json")
        mlflow.log_metrics(
            {
                "sampling_seconds": posterior.wall_seconds,
                "divergences": float(sum(s["divergences"] for s in posterior.chain_stats)),
            }
        )
        return run.info.run_id


def check_and_log(run_id: str, feature_names: list[str], max_r_hat: float, min_n_eff: float) -> GateResult:
    """Diagnostics table (artifact) + max_r_hat / min_n_eff / ess_per_second metrics + trace plot; the gate."""
    import mlflow

    posterior = load_posterior(run_id)
    draws = parameter_draws(posterior.w, posterior.b, feature_names)
    table = convergence_table(draws)
    gate = convergence_gate(table, max_r_hat, min_n_eff)
    with mlflow.start_run(run_id=run_id):
        mlflow.log_table(table, "diagnostics/convergence.json")
        mlflow.log_text(table.to_string(index=False, float_format="%.4f"), "diagnostics/convergence.txt")
        seconds = mlflow.get_run(run_id).data.metrics["sampling_seconds"]
        mlflow.log_metrics(
            {
                "max_r_hat": gate.max_r_hat,
                "min_n_eff": gate.min_n_eff,
                "ess_per_second": gate.min_n_eff / seconds,
                "converged": float(gate.passed),
            }
        )
        mlflow.set_tag("convergence", gate.message)
        mlflow.log_figure(plots.trace_figure(draws), "plots/trace_density.png")
    return gate


def register_if_converged(
    run_id: str, gate: GateChecked, test_score: float, model_name: str = MODEL_NAME
) -> ModelRegistered:
    """Register the run's model and apply the champion rule, unless the gate failed (then say why:
    ``version`` None, the gate's message as ``reason``)."""
    import mlflow

    if not gate.passed:
        mlflow.MlflowClient().set_tag(run_id, "registration", f"skipped: {gate.message}")
        return ModelRegistered(model_name, None, False, gate.message)
    decision = register_and_promote(
        f"runs:/{run_id}/model", model_name, CHAMPION_METRIC, test_score, higher_is_better=True, run_id=run_id
    )
    return ModelRegistered(decision.model_name, decision.version, decision.promoted, decision.reason)
