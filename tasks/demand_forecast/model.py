"""The forecaster: a LightGBM regressor that carries its own preprocessing.

``make_forecaster`` returns an sklearn Pipeline: ``CategoryCast`` turns the
categorical columns (state names as text) into pandas categories, then LightGBM
fits them natively. Logged with ``mlflow.sklearn`` the pipeline takes the gold
feature columns as plain values, in training and in scoring alike.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline

from tasks.demand_forecast.features import CATEGORICAL, FEATURES, TARGET


@dataclass(frozen=True)
class ForecasterParams:
    num_leaves: int = 31
    num_iterations: int = 300
    learning_rate: float = 0.05
    seed: int = 42


class CategoryCast(BaseEstimator, TransformerMixin):
    """Cast ``columns`` to the categories seen in fit; unseen values become missing."""

    def __init__(self, columns: list[str] | None = None):
        self.columns = columns

    def fit(self, X: pd.DataFrame, y=None):
        self.categories_ = {c: sorted(X[c].dropna().astype(str).unique()) for c in self.columns or []}
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        out = X.copy()
        for col, cats in self.categories_.items():
            out[col] = pd.Categorical(out[col].astype(str), categories=cats)
        return out


def make_forecaster(params: ForecasterParams) -> Pipeline:
    from lightgbm import LGBMRegressor

    booster = LGBMRegressor(
        num_leaves=params.num_leaves, n_estimators=params.num_iterations,
        learning_rate=params.learning_rate, random_state=params.seed,
        deterministic=True, force_col_wise=True, n_jobs=2, verbose=-1,
    )
    return Pipeline([("categories", CategoryCast(CATEGORICAL)), ("lgbm", booster)])


def fit_forecaster(train: pd.DataFrame, params: ForecasterParams) -> Pipeline:
    """Gold training rows (FEATURES + TARGET) -> fitted pipeline."""
    return make_forecaster(params).fit(train[FEATURES], train[TARGET])


def feature_importance(model: Pipeline) -> pd.Series:
    """Total gain per feature, largest first."""
    booster = model.named_steps["lgbm"].booster_
    gain = booster.feature_importance(importance_type="gain")
    return pd.Series(gain, index=booster.feature_name()).sort_values(ascending=False)


def predict(model: Pipeline, rows: pd.DataFrame) -> np.ndarray:
    return model.predict(rows[FEATURES])
