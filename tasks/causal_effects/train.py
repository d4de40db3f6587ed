"""The estimation in MLflow: one run per estimation, the chosen learner registered behind the champion rule.

``track_effects`` logs to the experiment ``causal-effects``: parameters (roles, learners, base models,
interval, data versions), per learner ``ate_<l>`` with ``_lower``/``_upper``/``_se``, ``r_loss_<l>`` and, with
a known truth, ``pehe_<l>`` and ``ate_error_<l>``; the same for the naive difference (``ate_naive`` ...);
``true_ate``; the table ``estimates/ate.json``; the figures ``plots/effects.png`` and ``plots/ate_intervals.png``;
and the chosen learner as a pyfunc (:class:`~tasks.causal_effects.model.CausalEffectModel`, its own code).
The chosen learner's criterion value is ``selected_pehe`` (truth known) or ``selected_r_loss``: the champion
rule compares it, lower wins, with the same metric of the champion's run (a champion chosen by the other
criterion has no comparable score, so the new version takes over).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime

import pandas as pd

from smelter.naming import CAUSAL_EFFECTS as P
from smelter.portable import log_portable_model
from smelter.registry import register_and_promote
from smelter.results import ModelRegistered, ModelTrained
from smelter.settings import Settings
from smelter.tracking import experiment_id, pip_requirements
from tasks.causal_effects import plots
from tasks.causal_effects.estimate import NAIVE, EffectConfig, Estimates
from tasks.causal_effects.evaluate import Interval
from tasks.causal_effects.model import CausalEffectModel, signature_for
from tasks.causal_effects.schema import Roles

EXPERIMENT = P.experiment
MODEL_NAME = P.model_name
PORTABLE = [  # logged with the model
    "tasks.causal_effects.base_models",
    "tasks.causal_effects.learners",
    "tasks.causal_effects.model",
]


def _row(name: str, ate: Interval, true_ate: float | None, **more) -> dict:
    return {
        "estimator": name,
        "interval": ate.method,
        "ate": ate.estimate,
        "bias": ate.bias,
        "se": ate.se,
        "lower": ate.lower,
        "upper": ate.upper,
        "covers_truth": ate.covers(true_ate) if true_ate is not None else None,
        "ate_error": abs(ate.estimate - true_ate) if true_ate is not None else None,
        **more,
    }


def summary_table(est: Estimates) -> pd.DataFrame:
    """One row per estimator (the naive difference first): interval method, ATE, bootstrap bias and se,
    interval, error, PEHE, R-loss, fit seconds, chosen."""
    rows = [_row(NAIVE, est.naive, est.true_ate)]
    rows += [
        _row(n, r.ate, est.true_ate, pehe=r.pehe, r_loss=r.r_loss, fit_seconds=r.fit_seconds, chosen=n == est.best)
        for n, r in est.learners.items()
    ]
    return pd.DataFrame(rows)


def summary_rows(est: Estimates) -> list[dict]:
    """:func:`summary_table` as plain JSON-able rows: None where a value does not apply."""
    return json.loads(summary_table(est).to_json(orient="records"))


def effect_metrics(est: Estimates) -> dict[str, float]:
    """The run's metrics (see the module docstring); None values (no truth) are left out."""
    metrics: dict[str, float | None] = {"true_ate": est.true_ate}
    for row in summary_table(est).to_dict("records"):
        name = row["estimator"]
        metrics |= {f"ate_{name}": row["ate"], f"ate_{name}_se": row["se"]}
        metrics |= {f"ate_{name}_lower": row["lower"], f"ate_{name}_upper": row["upper"]}
        metrics |= {f"ate_error_{name}": row["ate_error"], f"pehe_{name}": row.get("pehe")}
        metrics |= {f"r_loss_{name}": row.get("r_loss")}
    best = est.learners[est.best]
    metrics[champion_metric(est.criterion)] = getattr(best, est.criterion)
    return {k: float(v) for k, v in metrics.items() if v is not None and not pd.isna(v)}


def champion_metric(criterion: str) -> str:
    """``selected_pehe`` or ``selected_r_loss``: what the champion rule compares."""
    return f"selected_{criterion}"


def log_effect_model(model: CausalEffectModel, example: pd.DataFrame):
    """Log the registered form in the active run: the pyfunc with its own code, signature, example, pins."""
    requirements = pip_requirements("lightgbm")
    return log_portable_model(model, PORTABLE, signature_for(example, model), example, requirements)


def track_effects(
    settings: Settings, est: Estimates, cfg: EffectConfig, silver: pd.DataFrame, roles: Roles, versions: dict[str, str]
) -> ModelTrained:
    """One MLflow run: parameters, metrics, table, figures and the chosen learner's model (see module docstring)."""
    import mlflow

    truth = silver[roles.truth].to_numpy(float) if roles.truth else None
    metrics = effect_metrics(est)
    run_name = f"{est.best}-learner-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    with mlflow.start_run(experiment_id=experiment_id(settings, EXPERIMENT), run_name=run_name) as run:
        mlflow.log_params(
            {
                **{k: v for k, v in asdict(cfg).items() if k not in ("base", "learners")},
                "learners": ",".join(cfg.learners),
                "base_regressor": cfg.base.regressor,
                "base_classifier": cfg.base.classifier,
                "base_propensity": cfg.base.propensity,
                **asdict(roles),
                "features": ",".join(roles.features),
                "binary_outcome": est.binary_outcome,
                "rows": len(silver),
                "treated_rows": int(silver[roles.treatment].sum()),
                "criterion": est.criterion,
                "chosen_learner": est.best,
                **{f"{k}_version": v for k, v in versions.items()},
            }
        )
        mlflow.log_metrics(metrics)
        table = summary_table(est)
        mlflow.log_table(table, "estimates/ate.json")
        mlflow.log_text(table.to_string(index=False, float_format="%.4f"), "estimates/ate.txt")
        mlflow.log_figure(plots.effects_figure(est, truth), "plots/effects.png")
        mlflow.log_figure(plots.ate_figure(est), "plots/ate_intervals.png")
        model = CausalEffectModel(est.learners[est.best].learner, list(roles.features), roles.treatment, roles.outcome)
        log_effect_model(model, silver[list(roles.features)].head(3))
    return ModelTrained(run.info.run_id, EXPERIMENT, versions.get("silver"), metrics)


def register_effects(trained: ModelTrained, model_name: str = MODEL_NAME) -> ModelRegistered:
    """Register the run's model; ``@champion`` moves only on a lower ``selected_*`` metric (idempotent per run)."""
    metric = next(k for k in (champion_metric("pehe"), champion_metric("r_loss")) if k in trained.metrics)
    uri, score = f"runs:/{trained.run_id}/model", trained.metrics[metric]
    decision = register_and_promote(uri, model_name, metric, score, higher_is_better=False, run_id=trained.run_id)
    return ModelRegistered(decision.model_name, decision.version, decision.promoted, decision.reason)
