"""Silver: typed observations, checked row by row before anything is published.

:func:`refine_observations` turns the text rows of a source (bronze, or the CSV itself before it is
ingested) into ``unit_id`` + the role columns: features and outcome as floats, the treatment as 0/1
integers, the true effect as floats. A treatment value other than 0 or 1, a missing or non-numeric
outcome or feature, or an arm without rows is a :class:`~tasks.causal_effects.schema.CausalInputError`
naming the file, the column and the row (the line in the source file).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smelter.quality import ROW_ID
from tasks.causal_effects.schema import UNIT_ID, CausalInputError, Roles

MISSING = ("", "na", "nan", "null", "none")
MIN_ARM_ROWS = 2


def _first(mask: np.ndarray, lines: np.ndarray) -> int:
    return int(lines[int(np.argmax(mask))])


def numbers(raw: pd.Series, column: str, lines: np.ndarray, source: str, what: str) -> np.ndarray:
    """Text -> floats; a missing or non-numeric value is an error naming ``column`` and its row."""
    text = raw.astype(str).str.strip()
    missing = text.str.lower().isin(MISSING).to_numpy()
    if missing.any():
        row = _first(missing, lines)
        raise CausalInputError(
            f"{source}: column {column!r} row {row}: missing value ({missing.sum()} row(s) in all); "
            f"the {what} must be known for every row"
        )
    values = pd.to_numeric(text, errors="coerce").to_numpy(float)
    bad = ~np.isfinite(values)
    if bad.any():
        row = _first(bad, lines)
        raise CausalInputError(
            f"{source}: column {column!r} row {row}: {raw.iloc[int(np.argmax(bad))]!r} is not a number"
        )
    return values


def binary_treatment(raw: pd.Series, column: str, lines: np.ndarray, source: str) -> np.ndarray:
    """Text -> 0/1 integers; a value other than 0 or 1, or an arm with fewer than two rows, is an error."""
    values = numbers(raw, column, lines, source, "treatment")
    bad = ~np.isin(values, (0.0, 1.0))
    if bad.any():
        row = _first(bad, lines)
        raise CausalInputError(
            f"{source}: column {column!r} row {row}: {raw.iloc[int(np.argmax(bad))]!r} is not a binary treatment; "
            f"a treatment must be 0 (control) or 1 (treated), {int(bad.sum())} row(s) are not"
        )
    treated = int(values.sum())
    if min(treated, len(values) - treated) < MIN_ARM_ROWS:
        raise CausalInputError(
            f"{source}: column {column!r} has {treated} treated and {len(values) - treated} control row(s); "
            f"each arm needs at least {MIN_ARM_ROWS}"
        )
    return values.astype("int64")


def refine_observations(raw: pd.DataFrame, roles: Roles, source: str) -> pd.DataFrame:
    """Text rows (with bronze's ``_source_row`` or straight from the CSV) -> ``unit_id`` + ``roles.columns``."""
    lines = raw[ROW_ID].astype("int64").to_numpy() if ROW_ID in raw else np.arange(2, len(raw) + 2)
    out = {UNIT_ID: lines}
    for column in roles.features:
        out[column] = numbers(raw[column], column, lines, source, "feature")
    out[roles.treatment] = binary_treatment(raw[roles.treatment], roles.treatment, lines, source)
    out[roles.outcome] = numbers(raw[roles.outcome], roles.outcome, lines, source, "outcome")
    if roles.truth:
        out[roles.truth] = numbers(raw[roles.truth], roles.truth, lines, source, "true effect")
    return pd.DataFrame(out)


def binary_outcome(silver: pd.DataFrame, roles: Roles) -> bool:
    """True when every outcome is 0 or 1 (outcome models become classifiers)."""
    return bool(np.isin(silver[roles.outcome].to_numpy(), (0.0, 1.0)).all())
