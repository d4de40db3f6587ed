"""The causal pipeline's Prefect tasks: thin shells that read, call a plain function, gate, publish.

Task names follow :mod:`smelter.naming`: ``causal-effects.<step>``. Bad input (a column that is not there,
a treatment that is not 0/1, a missing outcome) fails in ``check-source``, before anything is published,
and is not retried (:func:`smelter.hooks.retry_transient`).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from smelter import catalog
from smelter.catalog import BRONZE_CAUSAL_OBSERVATIONS, GOLD_CAUSAL_EFFECTS, SILVER_CAUSAL_OBSERVATIONS
from smelter.hooks import retry_transient
from smelter.lake import Lake
from smelter.naming import CAUSAL_EFFECTS as P
from smelter.results import DatasetPublished, ModelRegistered, ModelTrained
from smelter.settings import Settings
from smelter.tracking import configure_mlflow
from tasks.causal_effects import suites
from tasks.causal_effects.estimate import Design, EffectConfig, Estimates, effects_frame, estimate_effects
from tasks.causal_effects.refine import binary_outcome, refine_observations
from tasks.causal_effects.schema import UNIT_ID, Roles, resolve_roles
from tasks.causal_effects.sources import Simulation, write_stores
from tasks.causal_effects.train import register_effects, track_effects
from tasks.common.ingest import current_run_id, ingest_csv, read_raw_csv


def _checked(step: str):
    """``@task`` for a step that retries a transient failure twice, never bad input."""
    return task(
        name=P.task(step),
        cache_policy=NO_CACHE,
        retries=2,
        retry_delay_seconds=[1, 5],
        retry_condition_fn=retry_transient,
    )


@task(name=P.task("simulate-observations"), cache_policy=NO_CACHE)
def simulate_observations(settings: Settings, sim: Simulation) -> str:
    """Write the seeded store simulation into the landing zone; its path."""
    return str(write_stores(catalog.landing_dir(settings.data_root), sim))


@_checked("check-source")
def check_source(source: str, treatment: str, outcome: str, features: list[str] | None) -> Roles:
    """The roles of the source's columns, once every row has been checked (a clear error otherwise)."""
    raw = read_raw_csv(Path(source), [])
    roles = resolve_roles(list(raw.columns), treatment, outcome, features, source)
    refine_observations(raw, roles, source)
    return roles


@_checked("ingest-observations")
def ingest_observations(settings: Settings, source: str, roles: Roles) -> DatasetPublished:
    """Land the checked source as bronze/causal_observations (text, every column); unchanged: not re-published."""
    lake = Lake.of(settings)
    return ingest_csv(Path(source), lake, BRONZE_CAUSAL_OBSERVATIONS, roles.columns, current_run_id())


@_checked("refine-observations")
def refine_observations_stage(settings: Settings, roles: Roles) -> DatasetPublished:
    """bronze -> silver/causal_observations behind its quality gate (roles and outcome kind in the manifest)."""
    lake = Lake.of(settings)
    source = lake.manifest(BRONZE_CAUSAL_OBSERVATIONS)["metadata"].get("source_file", BRONZE_CAUSAL_OBSERVATIONS.key)
    silver = refine_observations(lake.read_pandas(BRONZE_CAUSAL_OBSERVATIONS), roles, source)
    gate = SILVER_CAUSAL_OBSERVATIONS.expectations(
        treatment=roles.treatment, outcome=roles.outcome, features=list(roles.features), truth=roles.truth
    )
    report = suites.check(silver, SILVER_CAUSAL_OBSERVATIONS.key, gate, BRONZE_CAUSAL_OBSERVATIONS.key)
    meta = {"roles": asdict(roles), "binary_outcome": binary_outcome(silver, roles), "quality": report}
    return DatasetPublished.of(lake.publish_pandas(SILVER_CAUSAL_OBSERVATIONS, silver, meta), quality=report["summary"])


@task(name=P.task("estimate-effects"), cache_policy=NO_CACHE, timeout_seconds=3600)
def estimate_effects_stage(settings: Settings, roles: Roles, cfg: EffectConfig) -> Estimates:
    """Fit every learner on silver, cross-fit and interval their ATEs, score them, choose one (nothing published)."""
    silver = Lake.of(settings).read_pandas(SILVER_CAUSAL_OBSERVATIONS)
    est = estimate_effects(cfg, Design.of(silver, roles, binary_outcome(silver, roles)))
    print(f"chosen: {est.best}-learner by {est.criterion}")
    return est


@_checked("publish-effects")
def publish_effects(settings: Settings, est: Estimates, roles: Roles) -> DatasetPublished:
    """gold/causal_effects (CATE per row and learner) behind its quality gate."""
    lake = Lake.of(settings)
    silver = lake.read_pandas(SILVER_CAUSAL_OBSERVATIONS)
    truth = silver[roles.truth].to_numpy(float) if roles.truth else None
    gold = effects_frame(est, silver[UNIT_ID].to_numpy(), truth)
    gate = GOLD_CAUSAL_EFFECTS.expectations(learners=list(est.learners))
    report = suites.check(gold, GOLD_CAUSAL_EFFECTS.key, gate, SILVER_CAUSAL_OBSERVATIONS.key)
    meta = {"silver_version": lake.current_version(SILVER_CAUSAL_OBSERVATIONS), "chosen": est.best, "quality": report}
    return DatasetPublished.of(lake.publish_pandas(GOLD_CAUSAL_EFFECTS, gold, meta), quality=report["summary"])


@task(name=P.task("track-effects"), cache_policy=NO_CACHE, retries=1, retry_delay_seconds=5)
def track_effects_stage(
    settings: Settings, est: Estimates, cfg: EffectConfig, roles: Roles, gold: DatasetPublished
) -> ModelTrained:
    """One MLflow run in ``causal-effects``: metrics, table, figures, the chosen learner's model."""
    configure_mlflow(settings)
    lake = Lake.of(settings)
    silver_version = lake.current_version(SILVER_CAUSAL_OBSERVATIONS)
    silver = lake.read_pandas(SILVER_CAUSAL_OBSERVATIONS, silver_version)
    return track_effects(settings, est, cfg, silver, roles, {"silver": silver_version, "gold": gold.version})


@task(name=P.task("register-model"), cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[5, 30])
def register_model_stage(settings: Settings, trained: ModelTrained) -> ModelRegistered:
    """Register the chosen learner and apply the champion rule; a retry reuses the run's version."""
    configure_mlflow(settings)
    return register_effects(trained)
