"""Design matrix for the model, fitted on training rows only and shipped inside the model.

Numeric columns: training-median imputation of missing values (plus a ``<col>_missing`` indicator
for ``MISSING_INDICATORS``), then standardised with the training mean and sd. ``FastingBS`` stays
0/1 (missing -> 0). Categories: one-hot with the schema's first level as reference (dropped), so the design has
no column that the bias already spans. An unseen category is an error naming column, row and value
(``unknown="error"``), or with ``unknown="marginal"`` is coded as the training frequencies of the
known levels (the prediction is averaged over them).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from tasks.heart_risk.schema import (
    BINARY,
    CATEGORIES,
    COLUMNS,
    FEATURES,
    MISSING_INDICATORS,
    NUMERIC,
    TARGET,
    ZERO_MEANS_MISSING,
)


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


class UnknownCategoryError(ValueError):
    """A categorical value the model never saw in training; ``client_error``: the caller's input is at fault."""

    client_error = True


@dataclass
class HeartPreprocessor:
    medians: dict[str, float]
    means: dict[str, float]
    sds: dict[str, float]
    frequencies: dict[str, dict[str, float]]  # per category column: level -> training share

    @classmethod
    def fit(cls, train: pd.DataFrame) -> HeartPreprocessor:
        """Learn imputation, scaling and level shares from the training rows (silver columns)."""
        filled = {c: train[c].fillna(train[c].median()) for c in NUMERIC}
        return cls(
            medians={c: float(train[c].median()) for c in NUMERIC},
            means={c: float(filled[c].mean()) for c in NUMERIC},
            sds={c: float(filled[c].std(ddof=0)) or 1.0 for c in NUMERIC},
            frequencies={c: {lv: float((train[c] == lv).mean()) for lv in levels} for c, levels in CATEGORIES.items()},
        )

    @property
    def feature_names(self) -> list[str]:
        names = [*NUMERIC, *(f"{c}_missing" for c in MISSING_INDICATORS), *BINARY]
        return names + [f"{c}_{lv}" for c, levels in CATEGORIES.items() for lv in levels[1:]]

    def transform(self, df: pd.DataFrame, unknown: str = "error", source: str = "input") -> np.ndarray:
        """Raw or silver patient columns -> (rows, features) float64 design matrix."""
        return self.transform_flagged(df, unknown, source)[0]

    def transform_flagged(
        self, df: pd.DataFrame, unknown: str = "error", source: str = "input"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Like :meth:`transform`, plus per row whether any category was unseen (what ``unknown="flag"`` flags)."""
        missing = [c for c in FEATURES if c not in df.columns]
        if missing:
            raise ValueError(f"{source}: missing column(s) {missing}")
        x = mark_missing(type_patients(df, source, target=False))
        blocks = [np.column_stack([(x[c].fillna(self.medians[c]) - self.means[c]) / self.sds[c] for c in NUMERIC])]
        blocks.append(np.column_stack([x[c].isna().astype(float) for c in MISSING_INDICATORS]))
        blocks.append(x[list(BINARY)].fillna(0.0).to_numpy(float))
        unseen = np.zeros(len(x), dtype=bool)
        for column, levels in CATEGORIES.items():
            coded, column_unseen = self._one_hot(x[column], column, levels, unknown, source)
            blocks.append(coded)
            unseen |= column_unseen
        return np.column_stack(blocks).astype(np.float64), unseen

    def _one_hot(
        self, values: pd.Series, column: str, levels: tuple[str, ...], unknown: str, source: str
    ) -> tuple[np.ndarray, np.ndarray]:
        out = np.column_stack([(values == lv).to_numpy(float) for lv in levels[1:]])
        unseen = ~values.isin(levels).to_numpy()
        if unseen.any():
            row = values.index[unseen.argmax()]
            if unknown not in ("flag", "marginal"):
                raise UnknownCategoryError(
                    f"{source}: column {column!r} row {row}: unknown category {values[row]!r}; known: {list(levels)}"
                )
            out[unseen] = [self.frequencies[column][lv] for lv in levels[1:]]
        return out, unseen

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> HeartPreprocessor:
        return cls(**json.loads(text))
