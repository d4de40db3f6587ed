"""The silver quality suite for heart_patients, declared as data with :mod:`smelter.expectations`.

Columns and order, logical types, known categories, plausible ranges, a unique id and no gaps
except where silver makes them (the ``ZERO_MEANS_MISSING`` columns; range checks skip missing).
:func:`check_silver` runs it through :mod:`smelter.quality` and raises its ``DataQualityError``.
"""

from __future__ import annotations

import pandas as pd

from tasks.heart_risk.schema import CATEGORIES, COLUMNS, RANGES, TARGET, ZERO_MEANS_MISSING

SUITE_NAME = "silver.heart_patients"


def silver_types() -> dict[str, str]:
    """{column: logical type} of silver/heart_patients, in column order."""
    return {
        "patient_id": "integer",
        **{c: "string" if c in CATEGORIES else "integer" if c == TARGET else "float" for c in COLUMNS},
    }


def silver_patients() -> list:
    """The expectations of silver/heart_patients (GX imported lazily by :mod:`smelter.expectations`)."""
    from smelter.expectations import expect_between, expect_in_set, expect_not_null, expect_schema, expect_unique

    expectations = [
        *expect_schema(silver_types(), ordered=True),
        *expect_unique("patient_id"),
        *expect_not_null(*(c for c in ("patient_id", *COLUMNS) if c not in ZERO_MEANS_MISSING)),
    ]
    for column, levels in CATEGORIES.items():
        expectations += expect_in_set(column, levels)
    for column, (low, high) in RANGES.items():
        expectations += expect_between(column, low, high)
    return expectations


def check_silver(df: pd.DataFrame, source: str = "bronze/heart_patients") -> dict:
    """Validate silver rows; raises ``smelter.quality.DataQualityError`` on any failure, else a summary dict
    (``summary``: the one-line quality summary)."""
    from smelter.quality import build_suite, enforce, validate_pandas

    suite = build_suite(SUITE_NAME, silver_patients())
    report = enforce(validate_pandas(df, suite, "silver/heart_patients", source, row_id="patient_id"))
    return {
        "suite": SUITE_NAME,
        "expectations": len(report.results),
        "seconds": report.seconds,
        "summary": report.summary(),
    }
