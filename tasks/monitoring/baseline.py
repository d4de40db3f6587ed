"""A model version's training profile: what its training data looked like, per model input feature.

Numeric feature: 101 quantiles, a seeded sample (for the two-sample KS test) and the maximum-likelihood fit
of its kind (:func:`tasks.data_profile.fits.fit_candidates`, best by AIC) with the training rows' own mean
log-likelihood under it. Categorical feature: the share of each category. ``columns`` lists every column of
the training table (a scoring batch with any other column is an error). Plain data: JSON in and out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tasks.data_profile.fits import Fit, fit_candidates
from tasks.data_profile.inputs import infer_kind

SAMPLE_ROWS = 2_000  # training values kept per numeric feature for KS
FIT_ROWS = 20_000  # at most this many (seeded sample) are fitted


@dataclass(frozen=True)
class FeatureProfile:
    """One feature: ``kind`` "categorical" (``frequencies``) or a fit kind (count, positive, real) with
    ``quantiles``, ``sample``, ``fit`` (a :meth:`Fit.to_record`, None when no family fits, see ``note``) and
    ``mean_loglik`` (nats per training row under the fit); ``rows`` present, ``missing`` share."""

    name: str
    kind: str
    rows: int
    missing: float
    frequencies: dict[str, float] = field(default_factory=dict)
    quantiles: list[float] = field(default_factory=list)
    sample: list[float] = field(default_factory=list)
    fit: dict[str, Any] | None = None
    mean_loglik: float | None = None
    note: str = ""

    @property
    def categorical(self) -> bool:
        return self.kind == "categorical"

    def fitted(self) -> Fit | None:
        return Fit.from_record(self.fit) if self.fit else None


@dataclass(frozen=True)
class TrainingProfile:
    """Every profiled feature of one model version's training rows, and the training table's columns."""

    model_name: str
    model_version: str | None
    source: str  # where the rows came from, e.g. "gold/demand_features@v3 (split == 'train')"
    rows: int
    columns: list[str]
    features: dict[str, FeatureProfile]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingProfile:
        features = {k: FeatureProfile(**v) for k, v in data["features"].items()}
        return cls(
            data["model_name"], data.get("model_version"), data["source"], data["rows"], data["columns"], features
        )


def _seeded(values: np.ndarray, rows: int, seed: int) -> np.ndarray:
    if len(values) <= rows:
        return values
    return np.random.default_rng(seed).choice(values, rows, replace=False)


def categorical_profile(name: str, values: pd.Series) -> FeatureProfile:
    present = values.dropna().astype(str)
    shares = present.value_counts(normalize=True).sort_index()
    missing = 1 - len(present) / len(values) if len(values) else 0.0
    return FeatureProfile(name, "categorical", len(present), missing, {str(k): float(v) for k, v in shares.items()})


def numeric_profile(name: str, values: pd.Series, kind: str | None = None, seed: int = 42) -> FeatureProfile:
    """Quantiles, sample and best fit of the non-missing values (``kind``: the values decide when None)."""
    x = pd.to_numeric(values, errors="coerce").dropna().astype(float)
    missing = 1 - len(x) / len(values) if len(values) else 0.0
    if x.empty:
        return FeatureProfile(name, kind or "real", 0, missing, note="no values")
    kind = kind or infer_kind(x)
    arr = x.to_numpy()
    quantiles = np.quantile(arr, np.linspace(0, 1, 101)).tolist()
    sample = _seeded(arr, SAMPLE_ROWS, seed).tolist()
    fitted = _seeded(arr, FIT_ROWS, seed)
    try:
        best = fit_candidates(fitted, kind, name)[0]
    except ValueError as exc:  # a constant column, or values outside every family's support
        return FeatureProfile(name, kind, len(arr), missing, quantiles=quantiles, sample=sample, note=str(exc))
    return FeatureProfile(
        name, kind, len(arr), missing, quantiles=quantiles, sample=sample, fit=best.to_record(),
        mean_loglik=best.log_likelihood / best.n,
    )  # fmt: skip


def training_profile(
    frame: pd.DataFrame,
    features: Sequence[str],
    categorical: Sequence[str],
    model_name: str,
    model_version: str | None,
    source: str,
    kinds: dict[str, str] | None = None,
    seed: int = 42,
) -> TrainingProfile:
    """Training rows -> their profile over ``features`` (``categorical`` ones by frequency, the rest numeric
    with ``kinds[name]`` or the inferred kind); a feature the frame lacks is an error naming it."""
    missing = [f for f in features if f not in frame.columns]
    if missing:
        raise ValueError(f"{source} lacks feature column(s) {missing} to profile; it has {list(frame.columns)}")
    kinds = kinds or {}
    profiles = {
        f: categorical_profile(f, frame[f]) if f in categorical else numeric_profile(f, frame[f], kinds.get(f), seed)
        for f in features
    }
    return TrainingProfile(model_name, model_version, source, len(frame), [str(c) for c in frame.columns], profiles)
