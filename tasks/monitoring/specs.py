"""Which features each registered model is monitored on, where its training rows live, and how a scoring
batch becomes those features (the model's own code where it derives them, so monitoring sees what it sees).

Demand: the features LightGBM sees except ``year``: the forecaster always scores years after the ones it
learnt from (the held-out year comes after training by construction), so ``year`` would flag every batch.
Heart: the raw patient columns, with a recorded 0 Cholesterol/RestingBP read as missing, as silver does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from smelter.catalog import GOLD_DEMAND_FEATURES, GOLD_HEART_FEATURES, Dataset
from smelter.naming import DEMAND_FORECAST, HEART_RISK
from tasks.heart_risk import schema as heart
from tasks.heart_risk.preprocess import mark_missing
from tasks.monitoring.baseline import TrainingProfile, training_profile

TRAIN_SPLIT = "train"


def _demand_features(model: Any, rows: pd.DataFrame) -> pd.DataFrame:
    """The forecaster's own feature derivation (calendar from ``date``, population looked up when absent);
    a model without it (not a :class:`~tasks.demand_forecast.model.DemandModel`) gets ``rows`` as they are."""
    python_model = model.unwrap_python_model() if hasattr(model, "unwrap_python_model") else None
    features = getattr(python_model, "features", None)
    if features is None:
        return rows
    derived = features(rows, unknown="flag")
    return rows.assign(**{c: derived[c].to_numpy() for c in MONITORED[DEMAND_FORECAST.model_name].features})


def _heart_features(model: Any, rows: pd.DataFrame) -> pd.DataFrame:
    return mark_missing(rows)


@dataclass(frozen=True)
class MonitorSpec:
    """A model's monitored ``features`` (``categorical`` by frequency, others numeric of ``kinds``), its gold
    training table and ``derive(pyfunc, rows) -> rows with the features`` for scoring batches."""

    gold: Dataset
    features: tuple[str, ...]
    categorical: tuple[str, ...]
    kinds: dict[str, str] = field(default_factory=dict)
    derive: Callable[[Any, pd.DataFrame], pd.DataFrame] | None = None

    def profile(self, gold: pd.DataFrame, model_name: str, model_version: str | None, source: str) -> TrainingProfile:
        """The profile of gold's training rows (``split == "train"``); ``columns``: gold's."""
        train = gold[gold["split"] == TRAIN_SPLIT] if "split" in gold else gold
        label = f"{source} (split == {TRAIN_SPLIT!r})"
        return training_profile(
            train, self.features, self.categorical, model_name, model_version, label, self.kinds
        )  # fmt: skip


MONITORED: dict[str, MonitorSpec] = {
    DEMAND_FORECAST.model_name: MonitorSpec(
        GOLD_DEMAND_FEATURES,
        ("state", "month", "day_of_year", "day_of_week", "week_of_year", "is_weekend", "is_holiday", "population"),
        ("state", "day_of_week", "is_weekend", "is_holiday"),
        {"population": "positive", "month": "count", "day_of_year": "count", "week_of_year": "count"},
        _demand_features,
    ),
    HEART_RISK.model_name: MonitorSpec(
        GOLD_HEART_FEATURES,
        heart.FEATURES,
        (*heart.CATEGORIES, *heart.BINARY),
        {"Age": "count", "RestingBP": "positive", "Cholesterol": "positive", "MaxHR": "positive", "Oldpeak": "real"},
        _heart_features,
    ),
}


def spec_for(model_name: str) -> MonitorSpec | None:
    """The model's spec, None for a model Smelter does not monitor."""
    return MONITORED.get(model_name)


def monitored_rows(model_name: str, pyfunc: Any, rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with the model's monitored features derived the way the model derives them."""
    spec = spec_for(model_name)
    return spec.derive(pyfunc, rows) if spec is not None and spec.derive is not None else rows
