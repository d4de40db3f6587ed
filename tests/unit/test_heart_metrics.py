"""Posterior predictive summaries, metrics and the recall-oriented threshold."""

import numpy as np
import pandas as pd
import pytest

from tasks.heart_risk.metrics import choose_threshold, classification_metrics, threshold_table
from tasks.heart_risk.predictive import draw_probabilities, summarise


def test_draw_probabilities_and_summary_shapes():
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(5, 3)), rng.normal(size=(200, 3)), rng.normal(size=200)
    probs = draw_probabilities(x, w, b)
    assert probs.shape == (5, 200)
    np.testing.assert_allclose(probs[2, 7], 1 / (1 + np.exp(-(x[2] @ w[7] + b[7]))))
    out = summarise(probs, threshold=0.5, level=0.9)
    assert list(out.columns) == ["probability", "lower", "upper", "label"]
    assert ((out["lower"] <= out["probability"]) & (out["probability"] <= out["upper"])).all()
    np.testing.assert_allclose(out["lower"], np.quantile(probs, 0.05, axis=1))


def test_extreme_logits_do_not_overflow():
    probs = draw_probabilities(np.array([[1000.0], [-1000.0]]), np.ones((2, 1)), np.zeros(2))
    assert probs[0].tolist() == [1.0, 1.0] and probs[1].tolist() == [0.0, 0.0]


def test_metrics_and_threshold_choice():
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    p = np.array([0.9, 0.8, 0.6, 0.3, 0.7, 0.2, 0.1, 0.05])
    m = classification_metrics(y, p, 0.5)
    assert m["recall"] == 0.75 and m["precision"] == 0.75 and m["roc_auc"] == pytest.approx(14 / 16)
    table = threshold_table(y, p)
    assert table["recall"].is_monotonic_decreasing
    assert choose_threshold(table, min_recall=1.0) == 0.3  # highest threshold that still flags every case
    assert choose_threshold(table, min_recall=0.75) == 0.6
    assert choose_threshold(pd.DataFrame({"threshold": [0.4, 0.6], "recall": [0.5, 0.2]}), 0.9) == 0.4
