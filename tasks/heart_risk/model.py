"""The registered model: fitted preprocessing + posterior draws in one MLflow pyfunc.

Input: raw patient columns (``schema.FEATURES``; 0 Cholesterol/RestingBP means not measured).
Output, one row per patient: ``probability`` (posterior mean), ``lower``/``upper`` (credible
interval, 90 % by default), ``label`` (1 when probability >= the chosen threshold),
``unknown_category`` (True where a category was never seen in training; see ``unknown``).
Framework-free: scoring needs numpy, pandas and MLflow only (no torch, no Pyro, no project
package); this module and the ones it imports are logged with the model (``code_paths``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from mlflow.pyfunc import PythonModel

from tasks.heart_risk.predictive import draw_probabilities, summarise
from tasks.heart_risk.preprocess import HeartPreprocessor
from tasks.heart_risk.schema import CATEGORIES, FEATURES

OUTPUT_COLUMNS = ["probability", "lower", "upper", "label", "unknown_category"]
UNKNOWN = ("error", "flag", "marginal")


class HeartRiskModel(PythonModel):
    """Posterior-predictive scorer; ``predict`` param ``unknown``: "error" (default), or "flag" (alias
    "marginal"): a row with an unseen category is scored as the training mix of that feature's levels
    and flagged in ``unknown_category``."""

    def __init__(
        self,
        preprocessor: HeartPreprocessor,
        w: np.ndarray,
        b: np.ndarray,
        threshold: float = 0.5,
        level: float = 0.9,
        batch_rows: int = 2048,
    ):
        self.preprocessor, self.w, self.b = preprocessor, np.asarray(w), np.asarray(b)
        self.threshold, self.level, self.batch_rows = float(threshold), float(level), batch_rows

    def score(self, patients: pd.DataFrame, unknown: str = "error") -> pd.DataFrame:
        """Raw patient rows -> probability, lower, upper, label, unknown_category (same order)."""
        if unknown not in UNKNOWN:
            raise ValueError(f"param 'unknown' must be one of {UNKNOWN}, not {unknown!r}")
        x, unseen = self.preprocessor.transform_flagged(patients, unknown=unknown)
        parts = [
            summarise(draw_probabilities(x[i : i + self.batch_rows], self.w, self.b), self.threshold, self.level)
            for i in range(0, len(x), self.batch_rows)
        ]
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=OUTPUT_COLUMNS[:-1])
        return out.assign(unknown_category=unseen)[OUTPUT_COLUMNS]

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        return self.score(model_input, unknown=(params or {}).get("unknown", "error"))


def signature_for(example: pd.DataFrame, model: HeartRiskModel):
    """Signature: every raw feature column required; categories are strings, numbers ``Any``
    (int or float, NaN for missing: a raw CSV reads as int64, which MLflow will not cast to
    double, so the model's own typing converts and names a bad row); the four output columns
    out; param ``unknown`` ("error", "flag" or "marginal")."""
    from mlflow.models import ModelSignature, infer_signature
    from mlflow.types import ColSpec, Schema
    from mlflow.types.schema import AnyType

    inputs = Schema([ColSpec("string" if c in CATEGORIES else AnyType(), c) for c in FEATURES])
    inferred = infer_signature(example, model.score(example), params={"unknown": "error"})
    return ModelSignature(inputs=inputs, outputs=inferred.outputs, params=inferred.params)
