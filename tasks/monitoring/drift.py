"""Drift of a scoring batch against a model version's training profile (:mod:`tasks.monitoring.baseline`).

Per feature, flagged above the thresholds of :class:`Thresholds`:

* numeric: the two-sample Kolmogorov-Smirnov statistic against the stored training sample (flag: KS > 0.1
  and p < 0.01), and the log-likelihood drop: the training rows' mean log-likelihood under the training fit
  minus the batch's (nats per row; flag: > 1.0). A value outside the fit's support counts ``LOG_FLOOR``;
* categorical: the population stability index ``sum((b - t) * ln(b / t))`` over the categories of both
  (shares floored at ``EPS``; flag: PSI > 0.2), with the share of batch rows in categories training never had.

A batch column the training table never had is an :class:`UnknownColumnError` naming it; a profiled feature
the batch lacks is reported as absent, not flagged. ``drifted``: any feature flagged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tasks.monitoring.baseline import FeatureProfile, TrainingProfile

LOG_FLOOR = -50.0  # nats: a batch value the training fit cannot produce counts this much
EPS = 1e-4  # category share floor in PSI
PANDAS_INDEX = re.compile(r"^__index_level_\d+__$")  # a Parquet file's stored pandas index, not data


class UnknownColumnError(ValueError):
    """A scoring batch has a column the model's training data never had."""


@dataclass(frozen=True)
class Thresholds:
    """Where a statistic flags drift (documented in the README's Monitoring section)."""

    ks: float = 0.1
    ks_p: float = 0.01
    psi: float = 0.2
    loglik_drop: float = 1.0  # nats per row

    def ks_flags(self, ks: float, p: float) -> bool:
        return ks > self.ks and p < self.ks_p

    def psi_flags(self, value: float) -> bool:
        return value > self.psi

    def loglik_flags(self, drop: float) -> bool:
        return drop > self.loglik_drop


@dataclass(frozen=True)
class FeatureDrift:
    """One feature's statistics against training; None where a statistic does not apply."""

    name: str
    kind: str
    rows: int
    ks: float | None = None
    ks_p: float | None = None
    psi: float | None = None
    unseen_share: float | None = None
    train_loglik: float | None = None
    batch_loglik: float | None = None
    loglik_drop: float | None = None
    flagged: bool = False
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DriftReport:
    """A batch against one model version's training profile: per feature drift, and whether any drifted."""

    model_name: str
    model_version: str | None
    baseline_source: str
    batch_rows: int
    features: list[FeatureDrift]
    absent: list[str]
    thresholds: Thresholds

    @property
    def drifted(self) -> bool:
        return any(f.flagged for f in self.features)

    @property
    def flagged(self) -> list[str]:
        return [f.name for f in self.features if f.flagged]

    def metrics(self) -> dict[str, float]:
        """Flat MLflow metrics: ``<feature>.<statistic>`` for each statistic computed, plus ``drifted``,
        ``features_flagged`` and ``batch_rows``."""
        out: dict[str, float] = {"drifted": float(self.drifted), "features_flagged": float(len(self.flagged))}
        out["batch_rows"] = float(self.batch_rows)
        for f in self.features:
            for stat in ("ks", "ks_p", "psi", "unseen_share", "batch_loglik", "loglik_drop"):
                value = getattr(f, stat)
                if value is not None and np.isfinite(value):
                    out[f"{f.name}.{stat}"] = float(value)
        return out

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"drifted": self.drifted, "flagged": self.flagged}


def check_batch_columns(profile: TrainingProfile, columns: Sequence[str], source: str = "batch") -> None:
    """Every batch column must be a column of the training table, else an error naming the column(s)."""
    known = set(profile.columns)
    unknown = [str(c) for c in columns if str(c) not in known and not PANDAS_INDEX.match(str(c))]
    if unknown:
        raise UnknownColumnError(
            f"{source}: column(s) {unknown} never appeared in the training data of {profile.model_name} "
            f"v{profile.model_version} ({profile.source}); its columns are {profile.columns}"
        )


def psi(train: dict[str, float], batch: dict[str, float]) -> float:
    """Population stability index of two category-share maps (shares floored at ``EPS``)."""
    cats = sorted(set(train) | set(batch))
    t = np.maximum([train.get(c, 0.0) for c in cats], EPS)
    b = np.maximum([batch.get(c, 0.0) for c in cats], EPS)
    return float(np.sum((b - t) * np.log(b / t)))


def categorical_drift(p: FeatureProfile, values: pd.Series, th: Thresholds) -> FeatureDrift:
    present = values.dropna().astype(str)
    shares = {str(k): float(v) for k, v in present.value_counts(normalize=True).items()}
    value = psi(p.frequencies, shares)
    unseen = float(sum(v for k, v in shares.items() if k not in p.frequencies))
    flagged = th.psi_flags(value)
    reasons = [f"PSI {value:.3g} > {th.psi}"] if flagged else []
    return FeatureDrift(p.name, p.kind, len(present), psi=value, unseen_share=unseen, flagged=flagged, reasons=reasons)


def numeric_drift(p: FeatureProfile, values: pd.Series, th: Thresholds) -> FeatureDrift:
    from scipy.stats import ks_2samp

    x = pd.to_numeric(values, errors="coerce")
    bad = x.isna() & values.notna()
    if bad.any():
        row = values.index[bad.to_numpy()][0]
        raise ValueError(f"column {p.name!r} row {row}: {values[row]!r} is not a number (numeric in training)")
    arr = x.dropna().to_numpy(dtype=float)
    if not len(arr) or not p.sample:
        return FeatureDrift(p.name, p.kind, len(arr), reasons=["no values to compare"])
    test = ks_2samp(np.asarray(p.sample), arr)
    ks, ks_p = float(test.statistic), float(test.pvalue)
    reasons = [f"KS {ks:.3g} > {th.ks} (p {ks_p:.2g})"] if th.ks_flags(ks, ks_p) else []
    fit = p.fitted()
    batch_ll = drop = None
    if fit is not None and p.mean_loglik is not None:
        batch_ll = float(np.mean(np.maximum(fit.logdensity(arr), LOG_FLOOR)))
        drop = p.mean_loglik - batch_ll
        if th.loglik_flags(drop):
            reasons.append(f"log-likelihood drop {drop:.3g} > {th.loglik_drop} nats/row under {fit.family}")
    return FeatureDrift(
        p.name, p.kind, len(arr), ks=ks, ks_p=ks_p, train_loglik=p.mean_loglik, batch_loglik=batch_ll,
        loglik_drop=drop, flagged=bool(reasons), reasons=reasons,
    )  # fmt: skip


def drift_report(
    baseline: TrainingProfile, batch: pd.DataFrame, thresholds: Thresholds | None = None, source: str = "batch"
) -> DriftReport:
    """``batch`` (a frame of scoring rows, the model's features among its columns) against ``baseline``."""
    th = thresholds or Thresholds()
    check_batch_columns(baseline, batch.columns, source)
    drifts, absent = [], []
    for name, p in baseline.features.items():
        if name not in batch.columns:
            absent.append(name)
            continue
        drift = categorical_drift if p.categorical else numeric_drift
        drifts.append(drift(p, batch[name], th))
    return DriftReport(baseline.model_name, baseline.model_version, baseline.source, len(batch), drifts, absent, th)
