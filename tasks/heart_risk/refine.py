"""Silver: typed patient records, impossible zeros made missing, checked by a quality suite.

Choice on the impossible zeros (Cholesterol = 0 in 172 rows, RestingBP = 0 once): a 0 there
means "not measured", so silver stores it as missing (NaN), never as a number. The model's
preprocessing (``preprocess.py``) then imputes the *training* median and, for Cholesterol, adds a
``Cholesterol_missing`` indicator: in this data the unmeasured rows have an 88 % disease rate
(48 % for the others), so the missingness itself is informative and imputation alone would hide
it. The same :func:`~tasks.heart_risk.preprocess.mark_missing` runs inside the model on raw patient files.
"""

from __future__ import annotations

import pandas as pd

from smelter.quality import ROW_ID
from tasks.heart_risk.preprocess import mark_missing, type_patients


def refine_patients(bronze: pd.DataFrame, source: str = "bronze/heart_patients") -> pd.DataFrame:
    """Bronze text rows -> silver: ``patient_id`` (the row's line in the source file) + typed
    columns, zeros -> NaN. Errors cite that line as the row."""
    lines = bronze[ROW_ID].astype("int64") if ROW_ID in bronze else pd.RangeIndex(2, len(bronze) + 2)
    silver = mark_missing(type_patients(bronze.set_axis(pd.Index(lines, name=None)), source))
    silver.insert(0, "patient_id", silver.index.to_numpy(dtype="int64"))
    return silver.reset_index(drop=True)
