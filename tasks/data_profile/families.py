"""The candidate distribution families: their parameters, support, starting values and scipy form.

=====================  ================  ========================  ===========================================
family                 support           parameters                scipy.stats
=====================  ================  ========================  ===========================================
``normal``             real              ``mean``, ``sd``          ``norm(loc=mean, scale=sd)``
``lognormal``          positive          ``mu``, ``sigma`` (log)   ``lognorm(s=sigma, scale=exp(mu))``
``gamma``              positive          ``shape``, ``scale``      ``gamma(a=shape, scale=scale)``
``poisson``            count             ``rate``                  ``poisson(mu=rate)``
``negative_binomial``  count             ``mean``, ``size``        ``nbinom(n=size, p=size / (size + mean))``
=====================  ================  ========================  ===========================================

The negative binomial is the gamma-Poisson mixture with variance ``mean + mean^2 / size`` (size -> infinity
is the Poisson). A column's *kind* names the candidates fitted to it: ``count`` (Poisson, negative binomial),
``positive`` (normal, log-normal, gamma), ``real`` (normal); a family name is a kind of one candidate.
Only families of one kind are compared by AIC: densities and probabilities are not comparable.

The optimiser works on unconstrained coordinates: log of each positive parameter, and a free location in
units of the starting scale (so the numbers it sees are near 1 whatever the column's units).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

SUPPORTS = ("real", "positive", "count")  # from the loosest; a kind mixes only real and positive


@dataclass(frozen=True)
class Family:
    """One family: ``params`` in order; ``positive[i]`` whether parameter i is > 0 (log coordinate), else it is
    a location measured in units of parameter ``scale_of`` at the start; ``start`` gives starting values from
    the data; ``scipy`` the frozen distribution of parameter values."""

    name: str
    params: tuple[str, ...]
    support: str
    positive: tuple[bool, ...]
    start: Callable[[np.ndarray], np.ndarray]
    scipy: Callable[[np.ndarray], Any]
    scale_of: int | None = None

    @property
    def discrete(self) -> bool:
        return self.support == "count"

    def frozen(self, values: np.ndarray | dict[str, float]) -> Any:
        """The scipy frozen distribution at parameter values (an array in ``params`` order, or a dict)."""
        if isinstance(values, dict):
            values = np.array([values[p] for p in self.params], dtype=float)
        return self.scipy(np.asarray(values, dtype=float))

    def logdensity(self, values: np.ndarray | dict[str, float], x: np.ndarray) -> np.ndarray:
        """log pdf (continuous) or log pmf (counts) of each ``x``; ``-inf`` outside the support."""
        dist = self.frozen(values)
        return dist.logpmf(x) if self.discrete else dist.logpdf(x)

    def to_free(self, values: np.ndarray, start: np.ndarray) -> np.ndarray:
        """Parameter values -> the optimiser's coordinates (relative to the start's scale)."""
        return np.array([self._free(i, v, start) for i, v in enumerate(values)])

    def from_free(self, theta: np.ndarray, start: np.ndarray) -> np.ndarray:
        """The optimiser's coordinates -> parameter values."""
        return np.array([self._natural(i, t, start) for i, t in enumerate(theta)])

    def jacobian(self, theta: np.ndarray, start: np.ndarray) -> np.ndarray:
        """d parameter / d coordinate (diagonal) at ``theta``: for the delta method."""
        values = self.from_free(theta, start)
        return np.array([v if pos else self._unit(start) for v, pos in zip(values, self.positive, strict=True)])

    def _unit(self, start: np.ndarray) -> float:
        return float(start[self.scale_of]) if self.scale_of is not None else 1.0

    def _free(self, i: int, value: float, start: np.ndarray) -> float:
        return float(np.log(value)) if self.positive[i] else (value - start[i]) / self._unit(start)

    def _natural(self, i: int, theta: float, start: np.ndarray) -> float:
        return float(np.exp(theta)) if self.positive[i] else start[i] + theta * self._unit(start)


def _normal_start(x: np.ndarray) -> np.ndarray:
    return np.array([x.mean(), x.std()])


def _lognormal_start(x: np.ndarray) -> np.ndarray:
    logs = np.log(x)
    return np.array([logs.mean(), logs.std()])


def _gamma_start(x: np.ndarray) -> np.ndarray:
    """Minka's closed-form approximation of the shape's MLE (within 1.5 %), scale = mean / shape."""
    s = np.log(x.mean()) - np.log(x).mean()
    shape = (3 - s + np.sqrt((s - 3) ** 2 + 24 * s)) / (12 * s) if s > 0 else 1e6
    return np.array([shape, x.mean() / shape])


def _poisson_start(x: np.ndarray) -> np.ndarray:
    return np.array([max(x.mean(), 1e-12)])


def _negative_binomial_start(x: np.ndarray) -> np.ndarray:
    """Moments: size = mean^2 / (variance - mean), large when the data are not over-dispersed."""
    mean, excess = max(x.mean(), 1e-12), x.var() - x.mean()
    return np.array([mean, mean**2 / excess if excess > 0 else 1e6])


def _stats() -> Any:
    from scipy import stats  # imported on first use: seconds at import time otherwise

    return stats


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            "normal",
            ("mean", "sd"),
            "real",
            (False, True),
            _normal_start,
            lambda v: _stats().norm(loc=v[0], scale=v[1]),
            scale_of=1,
        ),
        Family(
            "lognormal",
            ("mu", "sigma"),
            "positive",
            (False, True),
            _lognormal_start,
            lambda v: _stats().lognorm(s=v[1], scale=np.exp(v[0])),
            scale_of=1,
        ),
        Family(
            "gamma",
            ("shape", "scale"),
            "positive",
            (True, True),
            _gamma_start,
            lambda v: _stats().gamma(v[0], scale=v[1]),
        ),
        Family("poisson", ("rate",), "count", (True,), _poisson_start, lambda v: _stats().poisson(v[0])),
        Family(
            "negative_binomial",
            ("mean", "size"),
            "count",
            (True, True),
            _negative_binomial_start,
            lambda v: _stats().nbinom(v[1], v[1] / (v[1] + v[0])),
        ),
    )
}
KINDS: dict[str, tuple[str, ...]] = {
    "count": ("poisson", "negative_binomial"),
    "positive": ("normal", "lognormal", "gamma"),
    "real": ("normal",),
}


def family(name: str) -> Family:
    """The family called ``name``; an unknown name is an error listing the known ones."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise KeyError(f"unknown distribution family {name!r}; known: {', '.join(FAMILIES)}") from None


def candidates(kind: str) -> tuple[Family, ...]:
    """The families fitted to a column of ``kind`` (a kind, or one family's name)."""
    if kind in KINDS:
        return tuple(FAMILIES[n] for n in KINDS[kind])
    if kind in FAMILIES:
        return (FAMILIES[kind],)
    raise KeyError(f"unknown kind {kind!r}: choose one of {', '.join([*KINDS, *FAMILIES])}")


def support_of(kind: str) -> str:
    """The narrowest support every candidate of ``kind`` accepts (what the values must satisfy)."""
    return max((f.support for f in candidates(kind)), key=SUPPORTS.index)
