"""How good an effect estimate is: intervals, errors against the truth, and a loss that needs no truth.

- :func:`bootstrap_interval`: the pivot bootstrap interval (econml's default) in its normal form: the estimate
  less the bootstrap's estimate of its bias (mean of the replicates - estimate), +- z x the standard deviation
  of the replicates. Regularised learners are biased (an S-learner shrinks the effect, a T-learner overshoots
  under confounding) and refits on resamples, with fewer distinct rows, are biased the same way: removing
  that estimate recentres the interval; normal quantiles are steadier than percentiles with few replicates;
- :func:`pehe`: the root mean squared error of the CATE against the true effect per row (Hill 2011);
- :func:`r_loss`: the R-loss of Nie and Wager (2021), mean(((y - m(x)) - (t - e(x)) tau(x))^2) with the
  outcome mean m and propensity e fitted apart from the rows it is computed on: lower is better, and
  its expectation differs from the PEHE's (weighted by e(1 - e)) only by a constant, so it ranks learners
  when no truth is known.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm


@dataclass(frozen=True)
class Interval:
    """An average effect (the full-data ``estimate``), its bootstrap ``bias`` and standard error, and the
    interval at ``level``."""

    estimate: float
    se: float
    lower: float
    upper: float
    level: float
    bias: float = 0.0

    def covers(self, value: float) -> bool:
        return self.lower <= value <= self.upper


def bootstrap_interval(estimate: float, replicates: np.ndarray, level: float) -> Interval:
    """(``estimate`` - bias) +- z_{(1+level)/2} x sd(``replicates``), bias = mean(``replicates``) - ``estimate``."""
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    if len(replicates) < 2:
        raise ValueError(f"an interval needs at least 2 bootstrap replicates, got {len(replicates)}")
    se, bias = float(np.std(replicates, ddof=1)), float(np.mean(replicates)) - float(estimate)
    centre, half = float(estimate) - bias, float(norm.ppf((1 + level) / 2)) * se
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


def holdout_mask(t: np.ndarray, share: float, seed: int) -> np.ndarray:
    """True for about ``share`` of the rows of each arm (seeded): where the R-loss is computed."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(t), dtype=bool)
    for arm in (0, 1):
        rows = np.flatnonzero(t == arm)
        mask[rng.choice(rows, size=max(1, round(share * len(rows))), replace=False)] = True
    return mask
