"""How good an effect estimate is: intervals, errors against the truth, and a loss that needs no truth.

- :func:`aipw_scores` and :func:`mean_interval`: the doubly robust (AIPW) pseudo-outcome per row,
  tau(x) + (t - e(x)) / (e(x)(1 - e(x))) x ((y - m(x)) - (t - e(x)) tau(x)), from a learner's CATE tau, the
  outcome mean m(x) = E[y | x] and the propensity e(x) = P(t = 1 | x), all cross-fitted (predicted on rows
  their models did not see, :func:`crossfit_folds`). It is the AIPW score of Robins et al. (1994) with
  mu0 = m - e tau and mu1 = m + (1 - e) tau (the parametrisation of the R-learner); its mean is the ATE,
  and its sd / sqrt(n) the influence-function standard error (Chernozhukov et al. 2018): an error in tau or
  m is corrected by the residuals, so the interval does not inherit a plug-in learner's regularisation bias;
- :func:`bootstrap_interval`: the pivot bootstrap interval (econml's default) in its normal form: the estimate
  less the bootstrap's estimate of its bias (mean of the replicates - estimate), +- z x the standard deviation
  of the replicates. Used for the naive difference in means, and for the learners' plug-in ATE (the mean of
  their CATE) when asked: refits on resamples see the learners' variance but not all of their bias (README);
- :func:`pehe`: the root mean squared error of the CATE against the true effect per row (Hill 2011);
- :func:`r_loss`: the R-loss of Nie and Wager (2021), mean(((y - m(x)) - (t - e(x)) tau(x))^2) with
  cross-fitted m, e and tau: lower is better, and its expectation differs from the PEHE's (weighted by
  e(1 - e)) only by a constant, so it ranks learners when no truth is known.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

PROPENSITY_CLIP = 0.01  # inverse-propensity weights are capped at 1 / 0.01


@dataclass(frozen=True)
class Interval:
    """An average effect, its standard error and the interval at ``level`` by ``method``: "aipw" (the mean of
    the AIPW scores) or "bootstrap" (the full-data ``estimate``, the interval centred on it less ``bias``)."""

    estimate: float
    se: float
    lower: float
    upper: float
    level: float
    bias: float = 0.0
    method: str = "bootstrap"  # or "aipw"

    def covers(self, value: float) -> bool:
        return self.lower <= value <= self.upper


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    return float(norm.ppf((1 + level) / 2))


def bootstrap_interval(estimate: float, replicates: np.ndarray, level: float) -> Interval:
    """(``estimate`` - bias) +- z_{(1+level)/2} x sd(``replicates``), bias = mean(``replicates``) - ``estimate``."""
    z = _z(level)
    if len(replicates) < 2:
        raise ValueError(f"an interval needs at least 2 bootstrap replicates, got {len(replicates)}")
    se, bias = float(np.std(replicates, ddof=1)), float(np.mean(replicates)) - float(estimate)
    centre, half = float(estimate) - bias, z * se
    return Interval(float(estimate), se, centre - half, centre + half, level, bias)


def naive_difference(t: np.ndarray, y: np.ndarray) -> float:
    """Mean outcome of the treated minus that of the controls: the effect only without confounding."""
    return float(y[t == 1].mean() - y[t == 0].mean())


def pehe(cate: np.ndarray, truth: np.ndarray) -> float:
    """sqrt(mean((cate - truth)^2)): precision in estimating heterogeneous effects."""
    return float(np.sqrt(np.mean((np.asarray(cate) - np.asarray(truth)) ** 2)))


def r_loss(y: np.ndarray, t: np.ndarray, m: np.ndarray, e: np.ndarray, cate: np.ndarray) -> float:
    """mean(((y - m) - (t - e) x cate)^2) over held-out rows (see the module docstring)."""
    return float(np.mean(((y - m) - (t - e) * cate) ** 2))


def bootstrap_rows(t: np.ndarray, replicates: int, seed: int) -> list[np.ndarray]:
    """``replicates`` resamples of row indices, with replacement within each arm (arm sizes fixed)."""
    rng = np.random.default_rng(seed)
    arms = [np.flatnonzero(t == a) for a in (0, 1)]
    return [np.concatenate([rng.choice(arm, size=len(arm)) for arm in arms]) for _ in range(replicates)]


def crossfit_folds(t: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Fold number (0 to ``folds`` - 1) per row: each arm shuffled (seeded) and dealt round the folds, so
    every fold holds a share of each arm."""
    if folds < 2:
        raise ValueError(f"cross-fitting needs at least 2 folds, got {folds}")
    rng = np.random.default_rng(seed)
    fold = np.empty(len(t), dtype=int)
    for arm in (0, 1):
        rows = rng.permutation(np.flatnonzero(t == arm))
        fold[rows] = np.arange(len(rows)) % folds
    return fold


def aipw_scores(y: np.ndarray, t: np.ndarray, m: np.ndarray, e: np.ndarray, cate: np.ndarray) -> np.ndarray:
    """The AIPW pseudo-outcome per row (see the module docstring); ``e`` clipped to
    [``PROPENSITY_CLIP``, 1 - ``PROPENSITY_CLIP``]."""
    e = np.clip(e, PROPENSITY_CLIP, 1 - PROPENSITY_CLIP)
    residual_t = t - e
    return cate + residual_t / (e * (1 - e)) * ((y - m) - residual_t * cate)


def mean_interval(scores: np.ndarray, level: float) -> Interval:
    """mean(``scores``) +- z_{(1+level)/2} x sd(``scores``) / sqrt(n): the AIPW interval."""
    z, n = _z(level), len(scores)
    if n < 2:
        raise ValueError(f"an interval needs at least 2 scores, got {n}")
    mean, se = float(np.mean(scores)), float(np.std(scores, ddof=1) / np.sqrt(n))
    return Interval(mean, se, mean - z * se, mean + z * se, level, method="aipw")
