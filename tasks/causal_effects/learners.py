"""S-, T- and X-learners (Künzel et al. 2019, PNAS 116:4156) over pluggable scikit-learn-style base models.

A learner fits on ``x`` (n x p floats), a binary treatment ``t`` (0/1) and an outcome ``y`` (continuous, or
0/1 when ``binary_outcome``) and returns the conditional average treatment effect ``effect(x)`` per row:

- S: one outcome model on (x, t); effect = mu(x, 1) - mu(x, 0).
- T: one outcome model per arm; effect = mu1(x) - mu0(x).
- X: T's outcome models impute each row's effect (treated: y - mu0(x); controls: mu1(x) - y), one effect
  model per arm fits those, and the propensity e(x) blends them: effect = e(x) tau0(x) + (1 - e(x)) tau1(x).

Every model inside a learner comes from :class:`~tasks.causal_effects.base_models.BaseModels`: outcome models
of a binary outcome are its classifier, the propensity its propensity model (both by ``predict_proba``),
everything else its regressor. Framework-free: logged with the registered model.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from tasks.causal_effects.base_models import BaseModels


def predict_mean(model: Any, x: np.ndarray, binary: bool) -> np.ndarray:
    """E[y | x]: the probability of class 1 for a classifier, else the prediction."""
    if binary:
        return np.asarray(model.predict_proba(x))[:, 1]
    return np.asarray(model.predict(x), dtype=float)


class MetaLearner:
    """Fit with :meth:`fit`, then :meth:`effect`; ``binary_outcome`` makes the outcome models classifiers."""

    name: ClassVar[str] = ""

    def __init__(self, base: BaseModels | None = None, binary_outcome: bool = False):
        self.base, self.binary_outcome = base or BaseModels(), binary_outcome

    def _outcome_model(self, x: np.ndarray, y: np.ndarray) -> Any:
        return self.base.make("classifier" if self.binary_outcome else "regressor").fit(x, y)

    def _mean(self, model: Any, x: np.ndarray) -> np.ndarray:
        return predict_mean(model, x, self.binary_outcome)

    def fit(self, x: np.ndarray, t: np.ndarray, y: np.ndarray) -> MetaLearner:
        raise NotImplementedError

    def effect(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class SLearner(MetaLearner):
    """One model of y on (x, t): the treatment is one more feature."""

    name = "s"

    def fit(self, x: np.ndarray, t: np.ndarray, y: np.ndarray) -> SLearner:
        self.model_ = self._outcome_model(np.column_stack([x, t]), y)
        return self

    def effect(self, x: np.ndarray) -> np.ndarray:
        ones, zeros = np.ones(len(x)), np.zeros(len(x))
        return self._mean(self.model_, np.column_stack([x, ones])) - self._mean(
            self.model_, np.column_stack([x, zeros])
        )


class TLearner(MetaLearner):
    """One model of y on x per arm."""

    name = "t"

    def fit(self, x: np.ndarray, t: np.ndarray, y: np.ndarray) -> TLearner:
        treated = t == 1
        self.model0_ = self._outcome_model(x[~treated], y[~treated])
        self.model1_ = self._outcome_model(x[treated], y[treated])
        return self

    def effect(self, x: np.ndarray) -> np.ndarray:
        return self._mean(self.model1_, x) - self._mean(self.model0_, x)


class XLearner(TLearner):
    """T's outcome models impute effects per arm; effect models per arm, blended by the propensity."""

    name = "x"

    def fit(self, x: np.ndarray, t: np.ndarray, y: np.ndarray) -> XLearner:
        super().fit(x, t, y)
        treated = t == 1
        imputed1 = y[treated] - self._mean(self.model0_, x[treated])
        imputed0 = self._mean(self.model1_, x[~treated]) - y[~treated]
        self.tau1_ = self.base.make("regressor").fit(x[treated], imputed1)
        self.tau0_ = self.base.make("regressor").fit(x[~treated], imputed0)
        self.propensity_ = self.base.make("propensity").fit(x, t)
        return self

    def effect(self, x: np.ndarray) -> np.ndarray:
        e = predict_mean(self.propensity_, x, binary=True)
        return e * np.asarray(self.tau0_.predict(x), dtype=float) + (1 - e) * np.asarray(
            self.tau1_.predict(x), dtype=float
        )


LEARNERS: dict[str, type[MetaLearner]] = {cls.name: cls for cls in (SLearner, TLearner, XLearner)}


def learner_names(names: list[str] | tuple[str, ...]) -> list[str]:
    """``["S", "t-learner", "x"]`` -> ``["s", "t", "x"]``; an unknown name is a ValueError listing the known."""
    out = [n.strip().lower().removesuffix("-learner") for n in names]
    if unknown := [n for n, o in zip(names, out, strict=True) if o not in LEARNERS]:
        raise ValueError(f"unknown learner(s) {unknown}; choose from {sorted(LEARNERS)}")
    if not out:
        raise ValueError(f"no learner named; choose from {sorted(LEARNERS)}")
    return list(dict.fromkeys(out))


def make_learner(name: str, base: BaseModels, binary_outcome: bool = False) -> MetaLearner:
    """An unfitted learner by name ("s", "t" or "x")."""
    return LEARNERS[learner_names([name])[0]](base, binary_outcome)
