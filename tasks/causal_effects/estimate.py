"""Fit every learner on silver's rows: CATE per row, ATE with a bootstrap interval, errors, the chosen learner.

For each learner (:mod:`tasks.causal_effects.learners`): one fit on all rows gives the CATE per row and the
ATE (their mean); ``n_bootstrap`` refits on resampled rows (within each arm, seeded, the same resamples for
every learner and for the naive difference in means) give its pivot interval
(:func:`~tasks.causal_effects.evaluate.bootstrap_interval`). With a true effect per row: PEHE and the ATE's
error. Always: the held-out R-loss (learners, outcome mean and propensity fitted on the other rows).

The chosen learner (registered) has the lowest PEHE when the truth is known, else the lowest R-loss;
``criterion`` says which.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tasks.causal_effects.base_models import BaseModels
from tasks.causal_effects.evaluate import (
    Interval,
    bootstrap_interval,
    bootstrap_rows,
    holdout_mask,
    naive_difference,
    pehe,
    r_loss,
)
from tasks.causal_effects.learners import MetaLearner, learner_names, make_learner
from tasks.causal_effects.schema import TRUTH, UNIT_ID, Roles

NAIVE = "naive"


@dataclass(frozen=True)
class EffectConfig:
    """Which learners on which base models; bootstrap replicates, interval level, R-loss hold-out share, seed.
    Unknown learners or base models are an error when it is made."""

    learners: tuple[str, ...] = ("s", "t", "x")
    base: BaseModels = field(default_factory=BaseModels)
    n_bootstrap: int = 100
    level: float = 0.95
    holdout: float = 0.25
    seed: int = 42

    def __post_init__(self) -> None:
        object.__setattr__(self, "learners", tuple(learner_names(list(self.learners))))
        self.base.check()
        if self.n_bootstrap < 2:
            raise ValueError(f"n_bootstrap must be at least 2 for an interval, got {self.n_bootstrap}")


@dataclass(frozen=True)
class Design:
    """Silver as arrays: features ``x`` (n x p), treatment ``t`` (0/1), outcome ``y``, true effect or None."""

    x: np.ndarray
    t: np.ndarray
    y: np.ndarray
    truth: np.ndarray | None
    binary_outcome: bool = False

    @classmethod
    def of(cls, silver: pd.DataFrame, roles: Roles, binary_outcome: bool = False) -> Design:
        truth = silver[roles.truth].to_numpy(float) if roles.truth else None
        x = silver[list(roles.features)].to_numpy(float)
        return cls(
            x, silver[roles.treatment].to_numpy(int), silver[roles.outcome].to_numpy(float), truth, binary_outcome
        )


@dataclass
class LearnerResult:
    """One learner fitted on every row, and how it did."""

    name: str
    learner: MetaLearner
    cate: np.ndarray
    ate: Interval
    r_loss: float
    fit_seconds: float
    pehe: float | None = None
    ate_error: float | None = None


@dataclass
class Estimates:
    """Every learner's result, the naive difference in means, the true ATE if known and the chosen learner."""

    learners: dict[str, LearnerResult]
    naive: Interval
    true_ate: float | None
    criterion: str  # "pehe" or "r_loss"
    best: str
    binary_outcome: bool = False


def fit_learner(name: str, cfg: EffectConfig, d: Design, rows: np.ndarray | None = None) -> MetaLearner:
    """Learner ``name`` fitted on ``rows`` of ``d`` (all rows when None)."""
    x, t, y = (d.x, d.t, d.y) if rows is None else (d.x[rows], d.t[rows], d.y[rows])
    return make_learner(name, cfg.base, d.binary_outcome).fit(x, t, y)


def bootstrap_ates(cfg: EffectConfig, d: Design) -> dict[str, np.ndarray]:
    """ATE per resample ({learner or "naive": (n_bootstrap,)}), every estimator on the same resamples."""
    out: dict[str, list[float]] = {name: [] for name in (NAIVE, *cfg.learners)}
    for rows in bootstrap_rows(d.t, cfg.n_bootstrap, cfg.seed):
        out[NAIVE].append(naive_difference(d.t[rows], d.y[rows]))
        for name in cfg.learners:
            out[name].append(float(fit_learner(name, cfg, d, rows).effect(d.x[rows]).mean()))
    return {name: np.asarray(v) for name, v in out.items()}


def selection_losses(cfg: EffectConfig, d: Design) -> dict[str, float]:
    """Held-out R-loss per learner (learners, outcome mean and propensity fitted on the other rows)."""
    held = holdout_mask(d.t, cfg.holdout, cfg.seed + 1)
    fit = np.flatnonzero(~held)
    outcome = cfg.base.make("classifier" if d.binary_outcome else "regressor").fit(d.x[fit], d.y[fit])
    m = outcome.predict_proba(d.x[held])[:, 1] if d.binary_outcome else outcome.predict(d.x[held])
    e = cfg.base.make("classifier").fit(d.x[fit], d.t[fit]).predict_proba(d.x[held])[:, 1]
    return {
        name: r_loss(d.y[held], d.t[held], m, e, fit_learner(name, cfg, d, fit).effect(d.x[held]))
        for name in cfg.learners
    }


def estimate_effects(cfg: EffectConfig, d: Design) -> Estimates:
    """Fit, bootstrap, score and choose (see the module docstring)."""
    replicates = bootstrap_ates(cfg, d)
    losses = selection_losses(cfg, d)
    true_ate = float(d.truth.mean()) if d.truth is not None else None
    results = {}
    for name in cfg.learners:
        started = time.perf_counter()
        learner = fit_learner(name, cfg, d)
        cate = learner.effect(d.x)
        seconds = time.perf_counter() - started
        ate = bootstrap_interval(float(cate.mean()), replicates[name], cfg.level)
        result = LearnerResult(name, learner, cate, ate, losses[name], seconds)
        if d.truth is not None and true_ate is not None:
            result.pehe, result.ate_error = pehe(cate, d.truth), abs(ate.estimate - true_ate)
        results[name] = result
    criterion = "pehe" if d.truth is not None else "r_loss"
    best = min(results, key=lambda n: getattr(results[n], criterion))
    naive = bootstrap_interval(naive_difference(d.t, d.y), replicates[NAIVE], cfg.level)
    return Estimates(results, naive, true_ate, criterion, best, d.binary_outcome)


def effects_frame(est: Estimates, unit_ids: np.ndarray, truth: np.ndarray | None) -> pd.DataFrame:
    """Gold rows: ``unit_id``, ``learner``, ``cate``, ``true_effect`` (NaN when unknown), learner by learner."""
    known = truth if truth is not None else np.full(len(unit_ids), np.nan)
    return pd.concat(
        [
            pd.DataFrame({UNIT_ID: unit_ids, "learner": name, "cate": r.cate, TRUTH: known})
            for name, r in est.learners.items()
        ],
        ignore_index=True,
    )
