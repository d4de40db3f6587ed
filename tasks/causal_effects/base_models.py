"""Base models by name: what every meta-learner is built from.

A name is ``"lightgbm"`` (LightGBM's regressor or classifier with :data:`LGBM_PARAMS`), ``"logistic"``
(standardised features into scikit-learn's logistic regression: the default propensity model, as in econml's
X-learner; a boosted classifier's probabilities are too extreme for inverse-propensity weights) or the dotted
name of any scikit-learn-style class (``sklearn.linear_model.LinearRegression``, ``sklearn.ensemble.RandomForestRegressor``),
made with its defaults and, when it takes one, the seed as ``random_state``. A regressor needs ``fit`` and
``predict``, a classifier ``fit`` and ``predict_proba``. Framework-free: logged with the registered model.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

LIGHTGBM = "lightgbm"
LOGISTIC = "logistic"
LGBM_PARAMS: dict[str, Any] = {
    "n_estimators": 100,
    "learning_rate": 0.1,
    "num_leaves": 15,
    "min_child_samples": 20,
    "deterministic": True,
    "force_col_wise": True,
    "n_jobs": 1,
    "verbose": -1,
}


class BaseModelError(ValueError):
    """A base model name that does not import, or names no scikit-learn-style regressor or classifier."""


def make_estimator(name: str, kind: str, seed: int) -> Any:
    """A fresh, unfitted ``kind`` ("regressor" or "classifier") named ``name`` (see the module docstring)."""
    if name == LOGISTIC and kind == "classifier":
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1_000, random_state=seed))
    if name == LIGHTGBM:
        import lightgbm

        booster = lightgbm.LGBMClassifier if kind == "classifier" else lightgbm.LGBMRegressor
        return booster(**LGBM_PARAMS, random_state=seed)
    module, _, attr = name.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module), attr) if module else None
    except (ImportError, AttributeError) as exc:
        raise BaseModelError(f"base model {name!r} does not import: {exc}") from exc
    if not callable(cls):
        raise BaseModelError(
            f"base model {name!r} must be {LIGHTGBM!r}, {LOGISTIC!r} (a classifier) or a dotted class name like 'a.b.Class'"
        )
    try:
        model = cls()
    except TypeError as exc:
        raise BaseModelError(f"base model {name!r} cannot be made with its defaults: {exc}") from exc
    needs = ("fit", "predict_proba") if kind == "classifier" else ("fit", "predict")
    if missing := [m for m in needs if not hasattr(model, m)]:
        raise BaseModelError(f"base model {name!r} cannot serve as a {kind}: it has no {' or '.join(missing)}")
    if hasattr(model, "get_params") and "random_state" in model.get_params():
        model.set_params(random_state=seed)
    return model


@dataclass(frozen=True)
class BaseModels:
    """Which regressor, classifier (a 0/1 outcome's models) and propensity model (a classifier of the treatment)
    every learner builds on, and their seed."""

    regressor: str = LIGHTGBM
    classifier: str = LIGHTGBM
    seed: int = 42
    propensity: str = LOGISTIC

    def check(self) -> BaseModels:
        """Itself, once every name has made an estimator (a :class:`BaseModelError` otherwise)."""
        for role in ("regressor", "classifier", "propensity"):
            self.make(role)
        return self

    def make(self, role: str) -> Any:
        """A fresh ``role`` ("regressor", "classifier" or "propensity") model."""
        name = {"regressor": self.regressor, "classifier": self.classifier, "propensity": self.propensity}[role]
        return make_estimator(name, "regressor" if role == "regressor" else "classifier", self.seed)
