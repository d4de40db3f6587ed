"""Posterior predictive probabilities: every posterior draw, summarised per example (numpy only).

``p_is = sigmoid(x_i . w_s + b_s)`` for each draw ``s``; the summary is the mean over draws, an
equal-tailed credible interval (90 % by default) and the class at a threshold on the mean.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def draw_probabilities(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, p) design, (S, p) and (S,) draws -> (n, S) probabilities."""
    logits = x @ w.T + b[None, :]
    return 0.5 * (1.0 + np.tanh(0.5 * logits))  # the logistic function, overflow-free


def summarise(probs: np.ndarray, threshold: float = 0.5, level: float = 0.9) -> pd.DataFrame:
    """(n, S) draws -> columns probability, lower, upper (the ``level`` interval), label (0/1)."""
    tail = (1.0 - level) / 2.0
    mean = probs.mean(axis=1)
    lower, upper = np.quantile(probs, [tail, 1.0 - tail], axis=1)
    return pd.DataFrame(
        {"probability": mean, "lower": lower, "upper": upper, "label": (mean >= threshold).astype("int64")}
    )
