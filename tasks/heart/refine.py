"""Silver: typed patient records, impossible zeros made missing, checked by a quality suite.

Choice on the impossible zeros (Cholesterol = 0 in 172 rows, RestingBP = 0 once): a 0 there
means "not measured", so silver stores it as missing (NaN), never as a number. The model's
preprocessing (``preprocess.py``) then imputes the *training* median and, for Cholesterol, adds a
``Cholesterol_missing`` indicator: in this data the unmeasured rows have an 88 % disease rate
(48 % for the others), so the missingness itself is informative and imputation alone would hide
it. The same :func:`mark_missing` runs at scoring time on raw patient files.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from smelter import lake
from smelter.quality import ROW_ID
from smelter.settings import Settings
from tasks.heart.schema import BINARY, CATEGORIES, COLUMNS, NUMERIC, TARGET, ZERO_MEANS_MISSING


def _numeric(df: pd.DataFrame, column: str, source: str) -> pd.Series:
    raw = df[column].mask(df[column].astype("string").str.strip() == "")  # blank text = missing
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna()
    if bad.any():
        row = bad.idxmax()
        raise ValueError(f"{source}: column {column!r} row {row}: {df[column][row]!r} is not a number")
    return values.astype(float)


def mark_missing(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` with 0 in the ``ZERO_MEANS_MISSING`` columns replaced by NaN."""
    out = df.copy()
    for column in ZERO_MEANS_MISSING:
        if column in out:
            out[column] = out[column].mask(out[column] == 0, np.nan)
    return out


def type_patients(df: pd.DataFrame, source: str = "input", target: bool = True) -> pd.DataFrame:
    """Raw records -> numeric columns as float, categories as stripped strings, target as int.

    Non-numeric text in a numeric column is a ValueError naming ``source``, column and row.
    """
    out = pd.DataFrame(index=df.index)
    for column in (*NUMERIC, *BINARY):
        out[column] = _numeric(df, column, source)
    for column in CATEGORIES:
        out[column] = df[column].astype("string").str.strip().astype(object)
    if target:
        y = _numeric(df, TARGET, source)
        if y.isna().any():
            raise ValueError(f"{source}: column {TARGET!r} row {y.isna().idxmax()}: the label is missing")
        out[TARGET] = y.astype("int64")
    return out[[c for c in COLUMNS if c in out]]


def refine_patients(bronze: pd.DataFrame, source: str = "bronze/heart_patients") -> pd.DataFrame:
    """Bronze text rows -> silver: ``patient_id`` (the row's line in the source file) + typed
    columns, zeros -> NaN. Errors cite that line as the row."""
    lines = bronze[ROW_ID].astype("int64") if ROW_ID in bronze else pd.RangeIndex(2, len(bronze) + 2)
    silver = mark_missing(type_patients(bronze.set_axis(pd.Index(lines, name=None)), source))
    silver.insert(0, "patient_id", silver.index.to_numpy(dtype="int64"))
    return silver.reset_index(drop=True)


@task(name="refine-heart-patients", cache_policy=NO_CACHE)
def refine_heart_patients(settings: Settings) -> dict:
    """bronze/heart_patients -> checked silver/heart_patients; returns dataset, version, rows, quality."""
    from tasks.heart.quality import check_silver

    bronze = lake.read_pandas(settings.data_root, "bronze", "heart_patients")
    silver = refine_patients(bronze)
    report = check_silver(silver)
    meta = {"missing": {c: int(silver[c].isna().sum()) for c in ZERO_MEANS_MISSING}, "quality": report}
    pub = lake.publish_pandas(silver, settings.data_root, "silver", "heart_patients", meta,
                              settings.lake.keep_versions)
    return {"dataset": "silver/heart_patients", "version": pub.version, "rows": pub.rows, "quality": report}
