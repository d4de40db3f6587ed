"""The registered model: one fitted meta-learner that returns the CATE of new rows.

Input: the feature columns it was trained on (any other column is ignored), numbers (int or float).
Output, one row per input row: ``cate``, the estimated effect of the treatment on the outcome for that
row, in the outcome's units (a difference in probability for a 0/1 outcome). Framework-free: this module
and :mod:`tasks.causal_effects.learners` are logged with the model (``code_paths``); scoring needs numpy,
pandas, scikit-learn, LightGBM and MLflow only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from mlflow.pyfunc import PythonModel

from tasks.causal_effects.learners import MetaLearner

OUTPUT_COLUMNS = ["cate"]


class InputError(ValueError):
    """Rows the model cannot score (a missing feature column or a value that is not a number), named by
    column and row; ``client_error``: the caller's input is at fault."""

    client_error = True


class CausalEffectModel(PythonModel):
    """A fitted learner and its feature columns; ``learner_name`` and ``treatment``/``outcome`` describe it."""

    def __init__(self, learner: MetaLearner, features: list[str], treatment: str, outcome: str):
        self.learner, self.features = learner, list(features)
        self.learner_name, self.treatment, self.outcome = learner.name, treatment, outcome

    def design(self, rows: pd.DataFrame) -> np.ndarray:
        """Rows -> the (n x p) float features; an absent column or a non-number is an :class:`InputError`."""
        if missing := [c for c in self.features if c not in rows.columns]:
            raise InputError(f"input lacks feature column(s) {missing}; the model takes {self.features}")
        columns = []
        for c in self.features:
            values = pd.to_numeric(rows[c], errors="coerce").to_numpy(float)
            if not np.isfinite(values).all():
                row = rows.index[int(np.argmax(~np.isfinite(values)))]
                raise InputError(f"column {c!r} row {row}: {rows[c][row]!r} is not a number")
            columns.append(values)
        return np.column_stack(columns) if columns else np.empty((len(rows), 0))

    def score(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Rows -> ``cate`` per row (fresh 0..n-1 index)."""
        cate = self.learner.effect(self.design(rows)) if len(rows) else np.empty(0)
        return pd.DataFrame({"cate": np.asarray(cate, dtype=float)})

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        return self.score(model_input)


def signature_for(example: pd.DataFrame, model: CausalEffectModel):
    """Every feature column required, typed ``Any`` (a CSV's integer columns are not cast to double by MLflow;
    the model converts and names a bad row); output ``cate``."""
    from mlflow.models import ModelSignature, infer_signature
    from mlflow.types import ColSpec, Schema
    from mlflow.types.schema import AnyType

    inputs = Schema([ColSpec(AnyType(), c) for c in model.features])
    return ModelSignature(inputs=inputs, outputs=infer_signature(example, model.score(example)).outputs)
