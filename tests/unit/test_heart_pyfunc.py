"""The heart model's scoring as a plain object (its registry round trip: tests/model/test_heart_registry.py)."""

import numpy as np
import pandas as pd
import pytest

from tasks.heart_risk.model import HeartRiskModel
from tasks.heart_risk.preprocess import HeartPreprocessor
from tasks.heart_risk.refine import refine_patients
from tests.unit.test_heart_preprocess import RAW


def tiny_heart_model() -> HeartRiskModel:
    """A heart model on the six RAW patients with 400 fixed random posterior draws (no sampling)."""
    silver = refine_patients(pd.DataFrame(RAW))
    prep = HeartPreprocessor.fit(silver)
    rng = np.random.default_rng(0)
    w, b = rng.normal(0, 0.5, size=(400, len(prep.feature_names))), rng.normal(0, 0.2, size=400)
    return HeartRiskModel(prep, w, b, threshold=0.4, level=0.9, batch_rows=4)


@pytest.fixture()
def model() -> HeartRiskModel:
    return tiny_heart_model()


def test_score_returns_probability_interval_and_label(model):
    raw = pd.DataFrame(RAW).drop(columns="HeartDisease")
    out = model.score(raw)
    assert list(out.columns) == ["probability", "lower", "upper", "label", "unknown_category"] and len(out) == 6
    assert not out["unknown_category"].any()
    assert ((out["lower"] <= out["probability"]) & (out["probability"] <= out["upper"])).all()
    assert out["label"].tolist() == (out["probability"] >= 0.4).astype(int).tolist()
