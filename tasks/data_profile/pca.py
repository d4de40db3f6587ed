"""Principal components by power iteration in PyTorch: one component at a time, with deflation and
Gram-Schmidt re-orthogonalisation against the components already found.

For component ``i`` a seeded random start ``v`` is repeatedly replaced by ``A v / |A v|``, where ``A``
is the covariance minus ``lambda_j v_j v_j^T`` of every found component ``j`` (deflation) and ``A v``
is projected off the found components twice ("twice is enough") each step, so rounding never lets an
earlier direction creep back. The Rayleigh quotient ``lambda = v^T A v`` is the component's variance.
A component has converged when its residual ``|A v - lambda v|`` is at most ``tol`` times the total
variance (the covariance's trace); one that has not after ``max_iter`` steps is kept, flagged in
``converged`` and named in a warning log line. The error of a direction is about residual / gap to the
next eigenvalue, so near-equal eigenvalues need many steps: the rate is ``lambda_{i+1} / lambda_i``.

Plain functions of arrays (float64 throughout); no lake, MLflow or Prefect.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PowerIteration:
    """How to iterate: ``components`` to find (None: as many as columns), the relative residual
    ``tol``, the step limit ``max_iter`` per component and the ``seed`` of the random starts."""

    components: int | None = None
    tol: float = 1e-8
    max_iter: int = 5_000
    seed: int = 0

    def __post_init__(self) -> None:
        if self.components is not None and self.components < 1:
            raise ValueError(f"components must be at least 1, not {self.components}")
        if not self.tol > 0 or self.max_iter < 1:
            raise ValueError(f"tol must be > 0 and max_iter >= 1, not tol={self.tol}, max_iter={self.max_iter}")


DEFAULT_ITERATION = PowerIteration()


@dataclass(frozen=True)
class Components:
    """``vectors`` (k x p, orthonormal rows, each with its largest loading positive), their variances
    ``eigenvalues`` (k, decreasing), the ``total_variance`` (trace), and per component the steps taken,
    the final relative residual and whether it met the tolerance."""

    vectors: np.ndarray
    eigenvalues: np.ndarray
    total_variance: float
    iterations: np.ndarray
    residuals: np.ndarray
    converged: np.ndarray

    @property
    def explained_variance_ratio(self) -> np.ndarray:
        return self.eigenvalues / self.total_variance if self.total_variance > 0 else np.zeros_like(self.eigenvalues)

    @property
    def unconverged(self) -> int:
        return int((~self.converged).sum())

    def scores(self, x: np.ndarray) -> np.ndarray:
        """Rows of ``x`` (already centred/standardised like the fitted data) on the components: n x k."""
        return np.asarray(x, dtype=np.float64) @ self.vectors.T


def covariance(x: np.ndarray | torch.Tensor) -> torch.Tensor:
    """The p x p sample covariance (divisor n - 1) of the rows of ``x`` (n x p), in float64."""
    t = torch.as_tensor(x, dtype=torch.float64)
    if t.ndim != 2 or t.shape[0] < 2:
        raise ValueError(f"need a 2-D matrix with at least 2 rows, got shape {tuple(t.shape)}")
    centred = t - t.mean(dim=0)
    return centred.T @ centred / (t.shape[0] - 1)


def _project_off(w: torch.Tensor, found: torch.Tensor) -> torch.Tensor:
    """``w`` minus its projection on the orthonormal rows of ``found``, twice (classical Gram-Schmidt)."""
    for _ in range(2):
        w = w - found.T @ (found @ w)
    return w


def _leading(
    a: torch.Tensor, found: torch.Tensor, atol: float, max_iter: int, gen: torch.Generator
) -> tuple[torch.Tensor, float, int, float]:
    """The leading eigenpair of the deflated ``a`` orthogonal to ``found``: (vector, value, steps, residual)."""
    v = _project_off(torch.randn(a.shape[0], generator=gen, dtype=a.dtype), found)
    v = v / v.norm()
    lam, residual = 0.0, float("inf")
    for step in range(1, max_iter + 1):
        w = _project_off(a @ v, found)
        lam = float(v @ w)
        residual = float((w - lam * v).norm())
        norm = float(w.norm())
        if residual <= atol or norm == 0.0:  # converged, or nothing left to find (rank exhausted)
            return v, lam, step, residual
        v = w / norm
    return v, lam, max_iter, residual


def power_iteration(matrix: np.ndarray | torch.Tensor, config: PowerIteration = DEFAULT_ITERATION) -> Components:
    """The leading eigenpairs of a symmetric positive semi-definite ``matrix`` (p x p), one at a time."""
    a = torch.as_tensor(matrix, dtype=torch.float64).clone()
    p = a.shape[0]
    k = p if config.components is None else config.components
    if a.ndim != 2 or a.shape[1] != p or k > p:
        raise ValueError(f"need a square matrix with at least {k} rows, got shape {tuple(a.shape)}")
    total = float(torch.trace(a))
    atol = config.tol * max(total, torch.finfo(torch.float64).tiny)
    gen = torch.Generator().manual_seed(config.seed)
    found = torch.zeros((0, p), dtype=torch.float64)
    values, steps, residuals, converged = [], [], [], []
    for i in range(k):
        v, lam, step, residual = _leading(a, found, atol, config.max_iter, gen)
        a -= lam * torch.outer(v, v)  # deflation
        found = torch.cat([found, v[None, :]])
        values.append(lam)
        steps.append(step)
        residuals.append(residual / total if total > 0 else 0.0)
        converged.append(residual <= atol)
        if not converged[-1]:
            log.warning(
                "principal component %d did not converge in %d iterations: relative residual %.3g > tol %.3g "
                "(near-equal eigenvalues converge slowly; raise max_iter or tol)",
                i + 1,
                step,
                residuals[-1],
                config.tol,
            )
    vectors = found.numpy()
    vectors *= np.where(vectors[np.arange(k), np.abs(vectors).argmax(axis=1)] < 0, -1.0, 1.0)[:, None]
    return Components(
        vectors, np.asarray(values), total, np.asarray(steps), np.asarray(residuals), np.asarray(converged, dtype=bool)
    )


def principal_components(x: np.ndarray | torch.Tensor, config: PowerIteration = DEFAULT_ITERATION) -> Components:
    """Principal components of the rows of ``x`` (n x p; centred here, not scaled): power iteration on the
    covariance."""
    return power_iteration(covariance(x), config)
