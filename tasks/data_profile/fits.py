"""Maximum-likelihood fits of one column's values: parameters, standard errors, log-likelihood, AIC.

* :func:`fit_family` maximises the log-likelihood (scipy L-BFGS-B on the unconstrained coordinates of
  :mod:`tasks.data_profile.families`, from closed-form or moment starts; for the normal, log-normal and
  Poisson the start is already the MLE). Standard errors come from the observed information: the Hessian
  of the negative log-likelihood at the optimum (central differences in those coordinates, mapped to the
  parameters by the delta method). A flat or non-convex likelihood there (e.g. a negative binomial with no
  over-dispersion, whose size runs off to infinity) leaves the errors NaN and says so in ``message``.
* :func:`fit_candidates` fits every family of a kind and orders them by AIC (``2k - 2 log L``).
* :meth:`Fit.logdensity` is the log pdf / pmf of new values under a fit (``-inf`` outside the support):
  what drift monitoring sums over a scoring batch. :meth:`Fit.to_record` / :meth:`Fit.from_record` keep a
  fit in a table (gold/distribution_fits) and bring it back.

Values that the family cannot produce (a negative or zero value for a positive-only family, a fraction for
a count family, a missing value) are a :class:`SupportError` naming the column and the row.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from tasks.data_profile.families import Family, candidates, family

LOG_BOUND = 60.0  # log coordinates stay within exp(+-60)
HESSIAN_STEP = 1e-4  # in the optimiser's coordinates (log units, or starting-scale units)
RowName: TypeAlias = Callable[[int], str]  # position -> how an error names the row, e.g. "row 17 (patient_id=5)"
Values: TypeAlias = Sequence[float] | np.ndarray | pd.Series


class SupportError(ValueError):
    """A value the family (or kind) cannot produce, naming the column and the row."""


@dataclass(frozen=True)
class Fit:
    """A fitted family: parameter estimates and standard errors (by name), the maximised log-likelihood over
    ``n`` values, whether the optimiser converged, and a note (empty when all is well)."""

    family: str
    params: dict[str, float]
    std_errors: dict[str, float]
    log_likelihood: float
    n: int
    converged: bool = True
    message: str = ""

    @property
    def k(self) -> int:
        return len(self.params)

    @property
    def aic(self) -> float:
        return 2 * self.k - 2 * self.log_likelihood

    @property
    def bic(self) -> float:
        return self.k * float(np.log(self.n)) - 2 * self.log_likelihood

    def distribution(self) -> Any:
        """The scipy frozen distribution (cdf, ppf, rvs ...)."""
        return family(self.family).frozen(self.params)

    def logdensity(self, values: Values) -> np.ndarray:
        """log pdf (continuous families) or log pmf (counts) of each value; ``-inf`` outside the support."""
        return family(self.family).logdensity(self.params, np.asarray(values, dtype=float))

    def to_record(self) -> dict[str, Any]:
        """Plain columns for a table row: family, params and std_errors (JSON), log_likelihood, n, k, aic,
        converged, message."""
        return {
            "family": self.family,
            "params": json.dumps(self.params),
            "std_errors": json.dumps(self.std_errors),
            "log_likelihood": self.log_likelihood,
            "n": self.n,
            "k": self.k,
            "aic": self.aic,
            "converged": self.converged,
            "message": self.message,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any] | pd.Series) -> Fit:
        """A fit back from :meth:`to_record`'s columns (e.g. a row of gold/distribution_fits)."""

        def as_dict(v: Any) -> dict[str, float]:
            return {k: float(x) for k, x in (json.loads(v) if isinstance(v, str) else v).items()}

        return cls(
            str(record["family"]),
            as_dict(record["params"]),
            as_dict(record["std_errors"]),
            float(record["log_likelihood"]),
            int(record["n"]),
            bool(record["converged"]),
            str(record.get("message", "") or ""),
        )


def _row_namer(values: Values, row_name: RowName | None) -> RowName:
    if row_name is not None:
        return row_name
    if isinstance(values, pd.Series):
        return lambda i: f"row {values.index[i]}"
    return lambda i: f"row {i}"


NEEDS = {"real": "finite numbers", "positive": "values > 0", "count": "whole numbers >= 0"}


def _outside(x: np.ndarray, support: str) -> list[np.ndarray]:
    """Masks of the values outside ``support``, worst first: not finite, negative, then zero or a fraction."""
    with np.errstate(invalid="ignore"):
        masks = [~np.isfinite(x), np.isfinite(x) & (x < 0)] if support != "real" else [~np.isfinite(x)]
        if support == "positive":
            masks.append(x == 0)
        elif support == "count":
            masks.append(np.isfinite(x) & (x != np.round(x)))
    return masks


def check_support(values: Values, support: str, column: str, family_name: str, row_name: RowName | None = None) -> None:
    """Every value finite and in ``support`` ("real", "positive", "count") and not all equal, else a
    :class:`SupportError` naming ``column`` and a bad row: the first of the worst kind (missing or infinite,
    then negative, then zero or a fraction), by ``row_name(position)`` (default: the Series' index label
    or the position)."""
    x = np.asarray(values, dtype=float)
    masks = _outside(x, support)
    if any(m.any() for m in masks):
        i = int(np.flatnonzero(next(m for m in masks if m.any()))[0])
        where = _row_namer(values, row_name)(i)
        raise SupportError(
            f"column {column!r}, {where}: value {float(x[i])!r} cannot be fitted by {family_name}, which needs "
            f"{NEEDS[support]} ({int(np.logical_or.reduce(masks).sum())} such value(s) in {len(x)})"
        )
    if len(x) < 2 or np.all(x == x[0]):
        raise SupportError(
            f"column {column!r}: {len(x)} value(s), all equal ({x[0] if len(x) else 'none'}): "
            "nothing to fit (a constant column)"
        )


def _negative_mean_loglik(fam: Family, x: np.ndarray, start: np.ndarray, theta: np.ndarray) -> float:
    ll = fam.logdensity(fam.from_free(theta, start), x)
    total = float(ll.sum())
    return -total / len(x) if np.isfinite(total) else 1e300


def _hessian(f: Any, theta: np.ndarray, h: float = HESSIAN_STEP) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``theta``."""
    k = len(theta)
    hess = np.empty((k, k))
    steps = np.eye(k) * h
    for i in range(k):
        for j in range(i, k):
            hess[i, j] = hess[j, i] = (
                f(theta + steps[i] + steps[j])
                - f(theta + steps[i] - steps[j])
                - f(theta - steps[i] + steps[j])
                + f(theta - steps[i] - steps[j])
            ) / (4 * h * h)
    return hess


def _standard_errors(fam: Family, f: Any, theta: np.ndarray, start: np.ndarray, n: int) -> tuple[np.ndarray, str]:
    """Standard errors of the parameters from the observed information, and a note when there are none."""
    if np.any(np.abs(theta[np.array(fam.positive)]) >= LOG_BOUND - 1e-6):
        return np.full(len(theta), np.nan), "a parameter is at its bound: no standard errors"
    information = _hessian(f, theta) * n  # f is the mean over n values
    eigenvalues = np.linalg.eigvalsh(information)
    if not np.all(eigenvalues > 1e-10 * max(float(np.abs(eigenvalues).max()), 1e-300)):
        return np.full(len(theta), np.nan), "flat likelihood at the optimum (no curvature): no standard errors"
    jac = fam.jacobian(theta, start)
    covariance = np.linalg.inv(information) * np.outer(jac, jac)
    return np.sqrt(np.diag(covariance)), ""


def fit_family(values: Values, family_name: str, column: str = "values", row_name: RowName | None = None) -> Fit:
    """The maximum-likelihood fit of one family to ``values`` (checked against its support first)."""
    from scipy.optimize import minimize

    fam = family(family_name)
    x = np.asarray(values, dtype=float)
    check_support(values, fam.support, column, fam.name, row_name)
    start = fam.start(x)
    theta0 = fam.to_free(start, start)
    bounds = [(-LOG_BOUND, LOG_BOUND) if pos else (None, None) for pos in fam.positive]

    def f(theta: np.ndarray) -> float:
        return _negative_mean_loglik(fam, x, start, theta)

    result = minimize(
        f, theta0, method="L-BFGS-B", jac="3-point", bounds=bounds, options={"maxiter": 1000, "ftol": 1e-15}
    )
    theta = result.x
    gradient = np.max(np.abs(result.jac)) if result.jac is not None else np.inf
    converged = bool(result.success or gradient < 1e-6)
    errors, note = _standard_errors(fam, f, theta, start, len(x))
    message = "; ".join(m for m in (note, "" if converged else f"optimiser: {result.message}") if m)
    params = fam.from_free(theta, start)
    return Fit(
        fam.name,
        dict(zip(fam.params, map(float, params), strict=True)),
        dict(zip(fam.params, map(float, errors), strict=True)),
        float(fam.logdensity(params, x).sum()),
        len(x),
        converged,
        message,
    )


def fit_candidates(values: Values, kind: str, column: str = "values", row_name: RowName | None = None) -> list[Fit]:
    """Every candidate family of ``kind`` ("count", "positive", "real" or one family's name) fitted to
    ``values``, best (lowest AIC) first."""
    return sorted((fit_family(values, f.name, column, row_name) for f in candidates(kind)), key=lambda fit: fit.aic)


def aic_table(fits: Sequence[Fit]) -> pd.DataFrame:
    """One row per fit, best first: family, k, log_likelihood, aic, delta_aic, akaike_weight, chosen."""
    table = pd.DataFrame(
        {"family": f.family, "k": f.k, "log_likelihood": f.log_likelihood, "aic": f.aic} for f in fits
    ).sort_values("aic", ignore_index=True)
    table["delta_aic"] = table["aic"] - table["aic"].min()
    weights = np.exp(-0.5 * table["delta_aic"])
    table["akaike_weight"] = weights / weights.sum()
    table["chosen"] = table.index == 0
    return table
