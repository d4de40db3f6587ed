"""The hand-written potential is the Pyro model's negative log joint: value (up to a constant) and gradient."""

import numpy as np
import pyro
import pytest
import torch

from tasks.heart_risk.potential import SITE, LogisticPotential, pack, unpack
from tasks.heart_risk.pyro_model import logistic_model
from tasks.heart_risk.sampling import NutsConfig, _run_mcmc, sample_posterior


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(50, 4))
    y = (rng.random(50) < 0.4).astype(float)
    return x, y


def model_log_joint(x, y, w, b):
    """log p(w, b, y | x) from the model's own trace, conditioned on (w, b)."""
    conditioned = pyro.poutine.condition(logistic_model, data={"w": w, "b": b})
    return pyro.poutine.trace(conditioned).get_trace(torch.as_tensor(x), torch.as_tensor(y)).log_prob_sum()


def test_potential_is_minus_the_model_log_joint_value_and_gradient(data):
    x, y = data
    potential = LogisticPotential(x, y)
    gen = torch.Generator().manual_seed(0)
    offsets = []
    for scale in (0.1, 1.0, 3.0):
        w = (torch.randn(4, generator=gen, dtype=torch.float64) * scale).requires_grad_()
        b = (torch.randn((), generator=gen, dtype=torch.float64) * scale).requires_grad_()
        log_joint = model_log_joint(x, y, w, b)
        model_grad = torch.autograd.grad(-log_joint, (w, b))
        theta = pack(w.detach(), b.detach()).requires_grad_()
        energy = potential({SITE: theta})
        (grad,) = torch.autograd.grad(energy, theta)
        offsets.append(float((energy + log_joint).detach()))
        torch.testing.assert_close(grad, pack(*model_grad), rtol=1e-10, atol=1e-10)
    # the additive constant is the Normal priors' normaliser, the same at every point
    np.testing.assert_allclose(offsets, [-5 / 2 * np.log(2 * np.pi)] * 3, rtol=0, atol=1e-9)


def test_pack_unpack_round_trip_and_seeded_initial_params(data):
    w, b = np.arange(8.0).reshape(2, 4), np.array([-1.0, 2.0])
    w2, b2 = unpack(pack(w, b))
    np.testing.assert_array_equal(w2, w)
    np.testing.assert_array_equal(b2, b)
    potential = LogisticPotential(*data)
    torch.manual_seed(1)
    first = potential.initial_params()[SITE]
    torch.manual_seed(1)
    assert torch.equal(first, potential.initial_params()[SITE]) and first.abs().max() <= 2


def test_potential_and_model_engines_agree_on_the_posterior(data):
    x, y = data
    short = {"chains": 1, "samples": 200, "warmup": 100, "seed": 4, "workers": 1}
    fast = sample_posterior(x, y, NutsConfig(**short))
    slow = sample_posterior(x, y, NutsConfig(**short, engine="model", jit=False))
    assert fast.w.shape == slow.w.shape == (1, 200, 4) and fast.b.shape == (1, 200)
    fast_wb = np.column_stack(fast.flat())
    slow_wb = np.column_stack(slow.flat())
    sd = slow_wb.std(axis=0)
    # means within 0.35 posterior sd (the Monte Carlo error of the difference is ~0.1 sd)
    assert np.max(np.abs(fast_wb.mean(axis=0) - slow_wb.mean(axis=0)) / sd) < 0.35
    assert np.all(np.abs(fast_wb.std(axis=0) / sd - 1) < 0.25)
    with pytest.raises(ValueError, match="engine"):
        NutsConfig(engine="jax")


def test_laplace_preconditioning_is_an_exact_affine_change_of_variables(data):
    x, y = data
    plain, whitened = LogisticPotential(x, y), LogisticPotential(x, y, precondition=True)
    mode, scale = whitened.mode, whitened.scale
    # the mode is where the gradient vanishes, and L L^T is the inverse of the autograd Hessian there
    theta = mode.clone().requires_grad_()
    (grad,) = torch.autograd.grad(plain({SITE: theta}), theta)
    assert grad.abs().max() < 1e-8
    hessian = torch.autograd.functional.hessian(lambda t: _plain_energy(x, y, t), mode)
    torch.testing.assert_close(scale @ scale.T @ hessian, torch.eye(5, dtype=torch.float64), rtol=0, atol=1e-8)
    gen = torch.Generator().manual_seed(1)
    for _ in range(3):
        u = torch.randn(5, generator=gen, dtype=torch.float64).requires_grad_()
        theta = whitened.to_theta(u.detach()).requires_grad_()
        energy_u, energy_theta = whitened({SITE: u}), plain({SITE: theta})
        torch.testing.assert_close(energy_u, energy_theta, rtol=1e-12, atol=1e-10)  # same U, no Jacobian term
        (grad_u,) = torch.autograd.grad(energy_u, u)
        (grad_theta,) = torch.autograd.grad(energy_theta, theta)
        torch.testing.assert_close(grad_u, scale.T @ grad_theta, rtol=1e-10, atol=1e-10)  # chain rule
        torch.testing.assert_close(whitened.from_theta(theta.detach()), u.detach(), rtol=0, atol=1e-12)
        arr, un = whitened.arrays(), u.detach().numpy()  # the same U stated in numpy (as the bench's JAX twin)
        th = arr["mode"] + arr["scale"] @ un
        assert 0.5 * th @ th + np.logaddexp(0, arr["offset"] + arr["design"] @ un).sum() == pytest.approx(
            float(energy_u.detach()), rel=1e-12
        )
    torch.manual_seed(2)
    start = whitened.to_theta(whitened.initial_params()[SITE])
    assert start.abs().max() <= 2 + 1e-12  # over-dispersed start drawn on the parameter scale


def _plain_energy(x, y, theta):
    a = torch.cat([torch.as_tensor(x), torch.ones(len(x), 1, dtype=torch.float64)], dim=1)
    logits = a @ theta
    return 0.5 * theta.dot(theta) + (torch.nn.functional.softplus(logits) - torch.as_tensor(y) * logits).sum()


def test_preconditioned_and_plain_sampler_agree_on_the_posterior(data):
    x, y = data
    short = {"chains": 1, "samples": 300, "warmup": 150, "seed": 6, "workers": 1}
    pre = np.column_stack(sample_posterior(x, y, NutsConfig(**short)).flat())
    plain = np.column_stack(sample_posterior(x, y, NutsConfig(**short, precondition=False)).flat())
    assert NutsConfig().dense_mass is False and NutsConfig(precondition=False).dense_mass is True
    sd = plain.std(axis=0)
    assert np.max(np.abs(pre.mean(axis=0) - plain.mean(axis=0)) / sd) < 0.35
    assert np.all(np.abs(pre.std(axis=0) / sd - 1) < 0.25)


def test_lean_flat_site_kernel_draws_exactly_what_pyros_own_nuts_draws(data):
    x, y = data
    torch.set_num_threads(1)
    draws = []
    for stock in (False, True):
        for precondition in (True, False):
            pyro.set_rng_seed(9)
            kernel, _mcmc, (w, b) = _run_mcmc(
                x, y, NutsConfig(chains=1, samples=40, warmup=30, precondition=precondition), stock=stock
            )
            draws.append((type(kernel).__name__, w, b))
    lean, stock = draws[:2], draws[2:]
    assert {name for name, _, _ in lean} == {"FlatSiteNUTS"} and {name for name, _, _ in stock} == {"NUTS"}
    for (_, w1, b1), (_, w2, b2) in zip(lean, stock, strict=False):  # diagonal (whitened) and dense mass matrices
        np.testing.assert_array_equal(w1, w2)
        np.testing.assert_array_equal(b1, b2)
