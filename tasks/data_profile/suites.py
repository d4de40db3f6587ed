"""The gold quality suites of the profile's outputs, declared as data with :mod:`smelter.expectations`.

gold/principal_components: its columns and types, one row per (dataset, component, column), loadings in
[-1, 1], shares of variance in [0, 1]. gold/distribution_fits: its columns and types, one row per (dataset,
column, family), known families and kinds, a finite AIC. :func:`check_gold` runs a suite through
:mod:`smelter.quality` and raises its ``DataQualityError``.
"""

from __future__ import annotations

import pandas as pd

from tasks.data_profile.families import FAMILIES, KINDS

COMPONENT_TYPES = {
    "dataset": "string",
    "data_version": "string",
    "component": "integer",
    "column": "string",
    "loading": "float",
    "eigenvalue": "float",
    "explained_variance_ratio": "float",
    "converged": "boolean",
    "iterations": "integer",
    "relative_residual": "float",
    "rows": "integer",
}
FIT_TYPES = {
    "dataset": "string",
    "data_version": "string",
    "column": "string",
    "kind": "string",
    "family": "string",
    "params": "string",
    "std_errors": "string",
    "k": "integer",
    "log_likelihood": "float",
    "aic": "float",
    "delta_aic": "float",
    "akaike_weight": "float",
    "chosen": "boolean",
    "n": "integer",
    "converged": "boolean",
    "message": "string",
    "rows_missing": "integer",
}
ROUNDING = 1e-9  # a share or loading may pass its bound by rounding


def principal_components() -> list:
    """The expectations of gold/principal_components."""
    from smelter.expectations import expect_between, expect_not_null, expect_schema, expect_unique

    return [
        *expect_schema(COMPONENT_TYPES),
        *expect_not_null(*COMPONENT_TYPES),
        *expect_unique("dataset", "component", "column"),
        *expect_between("loading", -1 - ROUNDING, 1 + ROUNDING),
        *expect_between("explained_variance_ratio", -ROUNDING, 1 + ROUNDING),
        *expect_between("component", 1, None),
    ]


def distribution_fits() -> list:
    """The expectations of gold/distribution_fits."""
    from smelter.expectations import expect_between, expect_in_set, expect_not_null, expect_schema, expect_unique

    return [
        *expect_schema(FIT_TYPES),
        *expect_not_null(*(c for c in FIT_TYPES if c != "message")),
        *expect_unique("dataset", "column", "family"),
        *expect_in_set("family", FAMILIES),
        *expect_in_set("kind", [*KINDS, *FAMILIES]),
        *expect_between("akaike_weight", 0, 1),
        *expect_between("delta_aic", 0, None),
        *expect_between("n", 2, None),
    ]


def check_gold(df: pd.DataFrame, dataset: str, source: str) -> dict:
    """Validate a gold table against its catalog suite; raises ``DataQualityError`` on any failure, else a
    summary dict (``summary``: the one-line quality summary)."""
    from smelter.catalog import resolve
    from smelter.quality import build_suite, enforce, validate_pandas

    ds = resolve(dataset)
    suite = build_suite(ds.key.replace("/", "."), ds.expectations())
    report = enforce(validate_pandas(df, suite, ds.key, source))
    return {"expectations": len(report.results), "seconds": report.seconds, "summary": report.summary()}
