"""Classification metrics, the threshold table and the recall-oriented threshold choice.

The threshold is chosen on training predictions only: the highest threshold whose training recall
is at least ``min_recall`` (a missed heart disease costs more than a false alarm), so precision
is as high as that recall allows. The test split never influences it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def classification_metrics(y: np.ndarray, probability: np.ndarray, threshold: float) -> dict[str, float]:
    """accuracy, precision, recall, f1 at ``threshold`` and roc_auc, for 0/1 ``y``."""
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score

    label = (probability >= threshold).astype(int)
    return {
        "accuracy": float(accuracy_score(y, label)),
        "precision": float(precision_score(y, label, zero_division=0)),
        "recall": float(recall_score(y, label, zero_division=0)),
        "f1": float(f1_score(y, label, zero_division=0)),
        "roc_auc": float(roc_auc_score(y, probability)) if len(set(y)) == 2 else float("nan"),
    }


def threshold_table(y: np.ndarray, probability: np.ndarray, thresholds: np.ndarray | None = None) -> pd.DataFrame:
    """One row per threshold (0.05 .. 0.95 by default): precision, recall, f1, accuracy, flagged share."""
    thresholds = np.round(np.arange(0.05, 0.951, 0.05), 2) if thresholds is None else thresholds
    rows = []
    for t in thresholds:
        m = classification_metrics(y, probability, float(t))
        rows.append(
            {
                "threshold": float(t),
                "precision": m["precision"],
                "recall": m["recall"],
                "f1": m["f1"],
                "accuracy": m["accuracy"],
                "flagged": float((probability >= t).mean()),
            }
        )
    return pd.DataFrame(rows)


def choose_threshold(table: pd.DataFrame, min_recall: float = 0.9) -> float:
    """Highest threshold in ``table`` with recall >= ``min_recall`` (the lowest threshold if none)."""
    ok = table[table["recall"] >= min_recall]
    return float(ok["threshold"].max() if len(ok) else table["threshold"].min())
