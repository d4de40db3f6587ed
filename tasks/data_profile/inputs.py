"""Columns of a lake table -> checked arrays for PCA and fits; bad input is an error naming column and row.

Missing values are left out (counted and reported): silver marks unmeasured heart values as missing,
and a profile describes what was measured. A constant column cannot be standardised: by default a
:class:`ProfileInputError` naming it and its value; with ``drop_constant`` it is left out with a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)


class ProfileInputError(ValueError):
    """A column the profile cannot use: missing, not numeric, constant, or too few values."""


def row_namer(frame: pd.DataFrame, keys: Sequence[str]) -> Callable[[int], str]:
    """position -> ``"row <index> (<key>=<value>, ...)"`` for error messages."""

    def name(i: int) -> str:
        row = frame.iloc[i]
        ids = ", ".join(f"{k}={row[k]}" for k in keys if k in frame.columns)
        return f"row {frame.index[i]}" + (f" ({ids})" if ids else "")

    return name


def checked_columns(frame: pd.DataFrame, columns: Sequence[str], dataset: str) -> None:
    """Every column present and numeric (or boolean), else an error naming the dataset, column and a row."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ProfileInputError(f"{dataset} has no column(s) {missing}; it has: {', '.join(map(str, frame.columns))}")
    for c in columns:
        if not (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c])):
            bad = pd.to_numeric(frame[c], errors="coerce").isna() & frame[c].notna()
            where = f", e.g. row {frame.index[bad.to_numpy()][0]}: {frame.loc[bad, c].iloc[0]!r}" if bad.any() else ""
            raise ProfileInputError(f"{dataset} column {c!r} is not numeric (dtype {frame[c].dtype}{where})")


@dataclass(frozen=True)
class Standardised:
    """The complete rows of the chosen columns, each column centred and scaled to unit variance: ``values``
    (n x p), with the ``means`` and ``sds`` used, the ``index`` of the rows kept, the rows left out for a
    missing value, and the constant columns dropped."""

    columns: tuple[str, ...]
    values: np.ndarray
    means: np.ndarray
    sds: np.ndarray
    index: pd.Index
    rows_missing: int
    dropped_constant: tuple[str, ...] = ()


def standardise(frame: pd.DataFrame, columns: Sequence[str], dataset: str, drop_constant: bool = False) -> Standardised:
    """Numeric ``columns`` of ``frame`` -> :class:`Standardised` (sample sd, divisor n - 1)."""
    checked_columns(frame, columns, dataset)
    complete = frame[list(columns)].astype(float).dropna()
    sds = complete.std(ddof=1)
    constant = [c for c in columns if not sds[c] > 0]
    if constant and not drop_constant:
        named = ", ".join(
            f"{c!r} (every value {float(complete[c].iloc[0]):g})" if len(complete) else f"{c!r} (no complete row)"
            for c in constant
        )
        raise ProfileInputError(
            f"{dataset}: constant column(s) {named} cannot be standardised for PCA; "
            "leave them out of the columns, or pass drop_constant to drop them with a warning"
        )
    if constant:
        log.warning("%s: dropping constant column(s) %s from the PCA", dataset, constant)
    kept = tuple(c for c in columns if c not in constant)
    if len(kept) < 2 or len(complete) < 3:
        raise ProfileInputError(
            f"{dataset}: PCA needs at least 2 non-constant columns and 3 complete rows; "
            f"has columns {list(kept)} and {len(complete)} complete row(s) of {len(frame)}"
        )
    means, scale = complete[list(kept)].mean().to_numpy(), sds[list(kept)].to_numpy()
    return Standardised(
        kept,
        (complete[list(kept)].to_numpy() - means) / scale,
        means,
        scale,
        complete.index,
        len(frame) - len(complete),
        tuple(constant),
    )


def infer_kind(values: pd.Series) -> str:
    """``count`` (whole numbers >= 0), ``positive`` (all > 0) or ``real``."""
    x = values.to_numpy(dtype=float)
    if np.all((x >= 0) & (x == np.round(x))):
        return "count"
    return "positive" if np.all(x > 0) else "real"


def fit_values(frame: pd.DataFrame, column: str, dataset: str) -> tuple[pd.Series, int]:
    """The non-missing values of a numeric column (index kept, for error messages) and how many were missing."""
    checked_columns(frame, [column], dataset)
    values = frame[column].astype(float)
    present = values.dropna()
    return present, len(values) - len(present)
