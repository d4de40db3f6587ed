"""Great Expectations suites of the causal pipeline's silver and gold datasets, declared as data.

Both take the roles of the run (the source's column names differ from source to source); :func:`check` runs
one through :mod:`smelter.quality` and raises its ``DataQualityError`` before anything is published.
"""

from __future__ import annotations

import pandas as pd

from smelter.expectations import expect_between, expect_in_set, expect_not_null, expect_schema, expect_unique
from tasks.causal_effects.schema import TRUTH, UNIT_ID


def silver_types(treatment: str, outcome: str, features: list[str], truth: str | None) -> dict[str, str]:
    """{column: logical type} of silver/causal_observations, in column order."""
    return {
        UNIT_ID: "integer",
        **dict.fromkeys(features, "float"),
        treatment: "integer",
        outcome: "float",
        **({truth: "float"} if truth else {}),
    }


def silver_observations(treatment: str, outcome: str, features: list[str], truth: str | None = None) -> list:
    """Columns and types, no gaps anywhere, a 0/1 treatment, one row per unit."""
    types = silver_types(treatment, outcome, features, truth)
    return [
        *expect_schema(types, ordered=True),
        *expect_not_null(*types),
        *expect_in_set(treatment, (0, 1)),
        *expect_unique(UNIT_ID),
    ]


def gold_effects(learners: list[str]) -> list:
    """unit_id, learner, cate, true_effect (NaN when unknown); known learners; one row per unit and learner."""
    return [
        *expect_schema({UNIT_ID: "integer", "learner": "string", "cate": "float", TRUTH: "float"}, ordered=True),
        *expect_not_null(UNIT_ID, "learner", "cate"),
        *expect_in_set("learner", learners),
        *expect_between(UNIT_ID, 1, None),
        *expect_unique(UNIT_ID, "learner"),
    ]


def check(df: pd.DataFrame, dataset: str, expectations: list, source: str) -> dict:
    """Validate ``df`` as ``dataset`` ("layer/name"); a ``DataQualityError`` on any failure, else a summary
    (``summary``: the one-line quality summary)."""
    from smelter.quality import build_suite, enforce, validate_pandas

    suite = build_suite(dataset.replace("/", "."), expectations)
    report = enforce(validate_pandas(df, suite, dataset, source, row_id=UNIT_ID))
    return {
        "suite": suite.name,
        "expectations": len(report.results),
        "seconds": report.seconds,
        "summary": report.summary(),
    }
