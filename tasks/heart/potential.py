"""The model's negative log joint in plain torch, for NUTS without Pyro's per-step model tracing.

For ``theta = [w_1 .. w_p, b]`` and the design ``A = [x, 1]`` (logits ``A @ theta``)::

    U(theta) = 0.5 * |theta|^2 + sum_i softplus(a_i . theta) - y_i * (a_i . theta)
             = -log p(w, b, y | x) - (p + 1) / 2 * log(2 pi)

i.e. exactly :func:`tasks.heart.model.logistic_model` up to an additive constant (a unit test
checks value and gradient against the model's trace). The gradient ``theta + A^T (sigmoid - y)``
is computed in the forward pass, so autograd sees one node instead of the whole expression.
"""
from __future__ import annotations

import numpy as np
import torch

SITE = "theta"  # the one flat latent site NUTS sees: [w..., b]


class _LogJoint(torch.autograd.Function):
    """U(theta) for fixed (A, y); the analytic gradient is saved in forward, scaled in backward."""

    @staticmethod
    def forward(ctx, theta, a, y):
        logits = a @ theta
        ctx.save_for_backward(theta + a.T @ (torch.sigmoid(logits) - y))
        return 0.5 * theta.dot(theta) + (torch.nn.functional.softplus(logits) - y * logits).sum()

    @staticmethod
    def backward(ctx, grad_output):
        (grad,) = ctx.saved_tensors
        return grad_output * grad, None, None


class LogisticPotential:
    """Callable ``{"theta": (p + 1,) tensor} -> U(theta)`` (a 0-d tensor) for ``NUTS(potential_fn=...)``."""

    def __init__(self, x: np.ndarray, y: np.ndarray, dtype: torch.dtype = torch.float64):
        xt = torch.as_tensor(np.asarray(x), dtype=dtype)
        self.a = torch.cat([xt, torch.ones(xt.shape[0], 1, dtype=dtype)], dim=1)
        self.y = torch.as_tensor(np.asarray(y), dtype=dtype)
        self.dtype = dtype

    @property
    def dim(self) -> int:
        return self.a.shape[1]

    def __call__(self, params: dict) -> torch.Tensor:
        return _LogJoint.apply(params[SITE], self.a, self.y)

    def initial_params(self, radius: float = 2.0) -> dict:
        """Uniform(-radius, radius) per coordinate from torch's (seeded) RNG, like Pyro's init_to_uniform."""
        return {SITE: (torch.rand(self.dim, dtype=self.dtype) * 2.0 - 1.0) * radius}


def pack(w, b) -> torch.Tensor:
    """w (..., p), b (...) -> theta (..., p + 1)."""
    w, b = torch.as_tensor(w), torch.as_tensor(b)
    return torch.cat([w, b.to(w.dtype).unsqueeze(-1)], dim=-1)


def unpack(theta) -> tuple[np.ndarray, np.ndarray]:
    """theta (..., p + 1) -> w (..., p), b (...) as float64 numpy arrays."""
    values = np.asarray(theta, dtype=np.float64)
    return values[..., :-1], values[..., -1]
