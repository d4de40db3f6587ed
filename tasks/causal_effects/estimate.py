"""Fit every learner on silver's rows: CATE per row, ATE with an interval, errors, the chosen learner.

For each learner (:mod:`tasks.causal_effects.learners`) one fit on all rows gives the CATE per row. A
``folds``-fold cross-fit (:func:`cross_fit`: per fold, the learners, the outcome mean m(x) and the propensity
e(x) fitted on the other folds) gives out-of-fold predictions for every row, from which:

- ``interval="aipw"`` (default): the ATE is the mean of the learner's AIPW scores and its interval the
  influence-function one (:func:`~tasks.causal_effects.evaluate.mean_interval`);
- ``interval="bootstrap"``: the ATE is the mean of the full-data CATE and its interval the pivot interval of
  ``n_bootstrap`` refits on resampled rows (:func:`~tasks.causal_effects.evaluate.bootstrap_interval`);
- always, the R-loss per learner.

The naive difference in means gets the pivot interval of ``n_bootstrap`` resamples (within each arm, seeded;
the same resamples as the learners' refits). With a true effect per row: PEHE and the ATE's error.

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
    aipw_scores,
    bootstrap_interval,
    bootstrap_rows,
    crossfit_folds,
    mean_interval,
    naive_difference,
    pehe,
    r_loss,
)
from tasks.causal_effects.learners import MetaLearner, learner_names, make_learner, predict_mean
from tasks.causal_effects.schema import TRUTH, UNIT_ID, Roles

NAIVE = "naive"
INTERVALS = ("aipw", "bootstrap")


@dataclass(frozen=True)
class EffectConfig:
    """Which learners on which base models; bootstrap replicates, interval level, seed, the learners' interval
    (``"aipw"`` or ``"bootstrap"``) and cross-fitting folds. Unknown learners or base models are an error when
    it is made."""

    learners: tuple[str, ...] = ("s", "t", "x")
    base: BaseModels = field(default_factory=BaseModels)
    n_bootstrap: int = 100
    level: float = 0.95
    seed: int = 42
    interval: str = "aipw"
    folds: int = 5

    def __post_init__(self) -> None:
        object.__setattr__(self, "learners", tuple(learner_names(list(self.learners))))
        self.base.check()
        if self.n_bootstrap < 2:
            raise ValueError(f"n_bootstrap must be at least 2 for an interval, got {self.n_bootstrap}")
        if self.interval not in INTERVALS:
            raise ValueError(f"interval must be one of {INTERVALS}, got {self.interval!r}")
        if self.folds < 2:
            raise ValueError(f"folds must be at least 2 for cross-fitting, got {self.folds}")


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


@dataclass(frozen=True)
class CrossFit:
    """Out-of-fold predictions per row: outcome mean ``m``, propensity ``e`` and each learner's ``cate``."""

    m: np.ndarray
    e: np.ndarray
    cate: dict[str, np.ndarray]


def cross_fit(cfg: EffectConfig, d: Design) -> CrossFit:
    """Per fold of :func:`~tasks.causal_effects.evaluate.crossfit_folds`: the outcome model (classifier for a
    0/1 outcome), the propensity model and every learner fitted on the other folds predict this one's rows."""
    fold = crossfit_folds(d.t, cfg.folds, cfg.seed + 1)
    n = len(d.y)
    m, e = np.empty(n), np.empty(n)
    cate = {name: np.empty(n) for name in cfg.learners}
    for k in range(cfg.folds):
        fit, held = np.flatnonzero(fold != k), fold == k
        outcome = cfg.base.make("classifier" if d.binary_outcome else "regressor").fit(d.x[fit], d.y[fit])
        m[held] = predict_mean(outcome, d.x[held], d.binary_outcome)
        e[held] = predict_mean(cfg.base.make("propensity").fit(d.x[fit], d.t[fit]), d.x[held], binary=True)
        for name in cfg.learners:
            cate[name][held] = fit_learner(name, cfg, d, fit).effect(d.x[held])
    return CrossFit(m, e, cate)


def bootstrap_ates(cfg: EffectConfig, d: Design, learners: tuple[str, ...]) -> dict[str, np.ndarray]:
    """ATE per resample ({"naive" or learner: (n_bootstrap,)}), every estimator on the same resamples; a
    learner's ATE on a resample is the mean CATE of its refit."""
    out: dict[str, list[float]] = {name: [] for name in (NAIVE, *learners)}
    for rows in bootstrap_rows(d.t, cfg.n_bootstrap, cfg.seed):
        out[NAIVE].append(naive_difference(d.t[rows], d.y[rows]))
        for name in learners:
            out[name].append(float(fit_learner(name, cfg, d, rows).effect(d.x[rows]).mean()))
    return {name: np.asarray(v) for name, v in out.items()}


def estimate_effects(cfg: EffectConfig, d: Design) -> Estimates:
    """Fit, cross-fit, interval, score and choose (see the module docstring)."""
    cf = cross_fit(cfg, d)
    replicates = bootstrap_ates(cfg, d, cfg.learners if cfg.interval == "bootstrap" else ())
    true_ate = float(d.truth.mean()) if d.truth is not None else None
    results = {}
    for name in cfg.learners:
        started = time.perf_counter()
        learner = fit_learner(name, cfg, d)
        cate = learner.effect(d.x)
        seconds = time.perf_counter() - started
        if cfg.interval == "aipw":
            ate = mean_interval(aipw_scores(d.y, d.t, cf.m, cf.e, cf.cate[name]), cfg.level)
        else:
            ate = bootstrap_interval(float(cate.mean()), replicates[name], cfg.level)
        result = LearnerResult(name, learner, cate, ate, r_loss(d.y, d.t, cf.m, cf.e, cf.cate[name]), seconds)
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
