"""The model's negative log joint in plain torch, for NUTS without Pyro's per-step model tracing.

For ``theta = [w_1 .. w_p, b]`` and the design ``A = [x, 1]`` (logits ``A @ theta``)::

    U(theta) = 0.5 * |theta|^2 + sum_i softplus(a_i . theta) - y_i * (a_i . theta)
             = 0.5 * |theta|^2 + sum_i softplus(s_i * a_i . theta),   s_i = 1 - 2 y_i  (y_i in {0, 1})
             = -log p(w, b, y | x) - (p + 1) / 2 * log(2 pi)

i.e. exactly :func:`tasks.heart_risk.pyro_model.logistic_model` up to an additive constant (a unit test
checks value and gradient against the model's trace). The gradient ``theta + (sA)^T sigmoid(s A theta)``
is computed in the forward pass, so autograd sees one node instead of the whole expression.

Preconditioning (``precondition=True``): NUTS then samples ``u`` with ``theta = mode + L u``, where
``mode`` is the posterior mode and ``L L^T`` the inverse Hessian there (the Laplace approximation,
found by Newton's method in a few milliseconds). The map is affine, so the posterior of ``theta`` is
unchanged (its Jacobian is a constant); the sampler just sees a posterior close to N(0, I) from its
first step, so warm-up needs no long trajectories while a mass matrix is still being learned.
"""

from __future__ import annotations

import numpy as np
import torch

SITE = "theta"  # the one flat latent site NUTS sees: [w..., b] (or its whitened u)


def _softplus(m: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, m)


def _sigmoid(m: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -m))


def _hessian(a: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Hessian of ``U`` where ``sigmoid(sA theta) = p``: the prior's identity + (sA)^T diag(p (1 - p)) sA."""
    return np.eye(a.shape[1]) + (a * (p * (1 - p))[:, None]).T @ a


def laplace(signed_design: np.ndarray, iterations: int = 100, tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mode and inverse Hessian of ``U`` for the sign-flipped design ``sA`` (damped Newton).

    ``U`` is strongly convex (the N(0, 1) prior adds the identity to the Hessian), so the mode is unique
    and Newton converges from zero; halving the step whenever ``U`` would rise keeps it monotone."""
    a = np.asarray(signed_design, dtype=np.float64)
    energy = lambda t: 0.5 * t @ t + _softplus(a @ t).sum()  # noqa: E731
    theta = np.zeros(a.shape[1])
    for _ in range(iterations):
        p = _sigmoid(a @ theta)
        step = np.linalg.solve(_hessian(a, p), theta + a.T @ p)  # Newton step: H^-1 grad
        size, current = 1.0, energy(theta)
        while energy(theta - size * step) > current and size > 1e-8:
            size /= 2
        theta = theta - size * step
        if np.max(np.abs(size * step)) < tol:
            break
    return theta, np.linalg.inv(_hessian(a, _sigmoid(a @ theta)))


class _Energy(torch.autograd.Function):
    """U(mode + L u) for fixed (sA L, sA mode, L, mode); the gradient w.r.t. u is saved in forward."""

    @staticmethod
    def forward(ctx, u, design, offset, scale, mode):
        m = design @ u if offset is None else torch.addmv(offset, design, u)
        theta = u if scale is None else torch.addmv(mode, scale, u)
        pull = theta if scale is None else scale.T @ theta  # gradient of the prior term w.r.t. u
        ctx.save_for_backward(torch.addmv(pull, design.T, torch.sigmoid(m)))
        return 0.5 * theta.dot(theta) + torch.nn.functional.softplus(m).sum()

    @staticmethod
    def backward(ctx, grad_output):
        (grad,) = ctx.saved_tensors
        return grad_output * grad, None, None, None, None


class LogisticPotential:
    """Callable ``{"theta": (p + 1,) tensor} -> U`` (a 0-d tensor) for ``NUTS(potential_fn=...)``.

    With ``precondition=True`` the site holds the whitened ``u``; :meth:`to_theta` maps draws back."""

    def __init__(self, x: np.ndarray, y: np.ndarray, dtype: torch.dtype = torch.float64, precondition: bool = False):
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        signed = np.column_stack([x, np.ones(len(x))]) * (1.0 - 2.0 * y)[:, None]
        self.dtype = dtype
        self.mode = self.scale = None
        # _Energy's data: (design, offset, scale, mode); the last three None without preconditioning
        self._args: tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None, torch.Tensor | None]
        if precondition:
            mode, cov = laplace(signed)
            scale = np.linalg.cholesky(cov)
            self.mode, self.scale = (torch.as_tensor(v, dtype=dtype) for v in (mode, scale))
            design, offset = (torch.as_tensor(v, dtype=dtype) for v in (signed @ scale, signed @ mode))
            self._args = (design, offset, self.scale, self.mode)
        else:
            self._args = (torch.as_tensor(signed, dtype=dtype), None, None, None)

    def arrays(self) -> dict[str, np.ndarray | None]:
        """The potential's data as numpy: ``U(u) = 0.5 |mode + scale u|^2 + sum softplus(offset + design u)``
        (``offset``, ``scale``, ``mode`` None without preconditioning), e.g. to state it in another framework."""
        names = ("design", "offset", "scale", "mode")
        return {name: None if t is None else t.numpy() for name, t in zip(names, self._args, strict=False)}

    @property
    def dim(self) -> int:
        return self._args[0].shape[1]

    def __call__(self, params: dict) -> torch.Tensor:
        return _Energy.apply(params[SITE], *self._args)

    def to_theta(self, u) -> torch.Tensor:
        """Draws of the site (..., p + 1) -> draws of theta = [w..., b] (identity without preconditioning)."""
        u = torch.as_tensor(u, dtype=self.dtype)
        return u if self.scale is None else self.mode + u @ self.scale.T

    def from_theta(self, theta) -> torch.Tensor:
        theta = torch.as_tensor(theta, dtype=self.dtype)
        if self.scale is None:
            return theta
        return torch.linalg.solve_triangular(self.scale, (theta - self.mode).unsqueeze(-1), upper=False)[..., 0]

    def initial_params(self, radius: float = 2.0) -> dict:
        """theta ~ Uniform(-radius, radius) per coordinate from torch's (seeded) RNG, like Pyro's
        init_to_uniform, on the parameter scale (over-dispersed for r_hat), then mapped to the site."""
        theta = (torch.rand(self.dim, dtype=self.dtype) * 2.0 - 1.0) * radius
        return {SITE: self.from_theta(theta)}


def pack(w, b) -> torch.Tensor:
    """w (..., p), b (...) -> theta (..., p + 1)."""
    w, b = torch.as_tensor(w), torch.as_tensor(b)
    return torch.cat([w, b.to(w.dtype).unsqueeze(-1)], dim=-1)


def unpack(theta) -> tuple[np.ndarray, np.ndarray]:
    """theta (..., p + 1) -> w (..., p), b (...) as float64 numpy arrays."""
    values = np.asarray(theta, dtype=np.float64)
    return values[..., :-1], values[..., -1]
