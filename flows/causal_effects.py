"""Causal effects: observations (a CSV, or the seeded store simulation) -> bronze -> silver (gate) -> S-, T- and
X-learners with cross-fitted doubly robust (AIPW) ATE intervals -> gold CATE per row and learner (gate) -> MLflow
-> registry (``causal-effects``, the chosen learner, champion on ``selected_pehe`` or ``selected_r_loss``).

Ad hoc::

    python -m flows.causal_effects --treated-share 0.1 --folds 10
    python -m flows.causal_effects --no-effect --interval bootstrap --n-bootstrap 50
    python -m flows.causal_effects --source visits.csv --treatment coupon --outcome bought \\
        --features age,visits,tenure --base-model sklearn.linear_model.LinearRegression \\
        --classifier sklearn.linear_model.LogisticRegression --learners t,x
"""

from __future__ import annotations

from dataclasses import asdict

from smelter.artifacts import publish_run_summary
from smelter.hooks import pipeline_flow
from smelter.naming import CAUSAL_EFFECTS as P
from smelter.settings import load_settings
from tasks.causal_effects.base_models import BaseModels
from tasks.causal_effects.estimate import EffectConfig
from tasks.causal_effects.schema import SIMULATED_OUTCOME, SIMULATED_TREATMENT
from tasks.causal_effects.sources import Simulation
from tasks.causal_effects.stages import (
    check_source,
    estimate_effects_stage,
    ingest_observations,
    publish_effects,
    refine_observations_stage,
    register_model_stage,
    simulate_observations,
    track_effects_stage,
)
from tasks.causal_effects.train import summary_rows, summary_table


@pipeline_flow(P, run="-{base_model}-{interval}", timeout_seconds=2 * 3600)
def causal_effects(
    source: str | None = None,
    treatment: str = SIMULATED_TREATMENT,
    outcome: str = SIMULATED_OUTCOME,
    features: list[str] | None = None,
    base_model: str = "lightgbm",
    classifier: str = "lightgbm",
    propensity: str = "logistic",
    learners: tuple[str, ...] = ("s", "t", "x"),
    interval: str = "aipw",
    folds: int = 5,
    n_bootstrap: int = 100,
    level: float = 0.95,
    seed: int | None = None,
    rows: int = 2_000,
    effect: float = 2.0,
    treated_share: float = 0.5,
    confounding: float = 0.5,
    no_effect: bool = False,
) -> dict:
    """Estimate the effect of ``treatment`` on ``outcome`` adjusting for ``features`` (default: every other
    column but ``true_effect``) in ``source``; without a source, in the store simulation (``rows``,
    ``effect``, ``treated_share``, ``confounding``, ``no_effect``). ``base_model``/``classifier``/``propensity``:
    ``lightgbm``, ``logistic`` (classifiers) or a dotted class name. ``interval``: ``aipw`` (``folds``-fold
    cross-fitted) or ``bootstrap`` (``n_bootstrap`` refits; the naive difference always bootstraps). Returns
    the datasets, the MLflow run, the registry's decision and the ATE table (``estimates``)."""
    settings = load_settings()
    seed = settings.seed if seed is None else seed
    if source is None:
        sim = Simulation(rows, seed, effect, treated_share, confounding, no_effect=no_effect)
        source = simulate_observations(settings, sim)
    roles = check_source(source, treatment, outcome, features)
    base = BaseModels(base_model, classifier, seed, propensity)
    cfg = EffectConfig(tuple(learners), base, n_bootstrap, level, seed, interval, folds)
    bronze = ingest_observations(settings, source, roles)
    silver = refine_observations_stage(settings, roles)
    est = estimate_effects_stage(settings, roles, cfg)
    gold = publish_effects(settings, est, roles)
    trained = track_effects_stage(settings, est, cfg, roles, gold)
    registry = register_model_stage(settings, trained)
    print(summary_table(est).to_string(index=False, float_format="%.4f"))
    print(registry.reason)
    return publish_run_summary(
        {
            "bronze": bronze,
            "silver": silver,
            "gold": gold,
            "trained": trained,
            "registry": registry,
            "roles": asdict(roles),
            "estimates": summary_rows(est),
        }
    )


if __name__ == "__main__":
    from smelter.cli import run_flow_cli

    run_flow_cli(causal_effects)
