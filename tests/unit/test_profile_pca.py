"""Power-iteration PCA against torch.linalg.eigh and scikit-learn on data with known components."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from tasks.data_profile.pca import PowerIteration, covariance, power_iteration, principal_components


def sample(eigenvalues: list[float], rows: int = 20_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows with covariance Q diag(eigenvalues) Q^T (Q seeded, orthogonal), and Q's columns as rows."""
    rng = np.random.default_rng(seed)
    p = len(eigenvalues)
    q, _ = np.linalg.qr(rng.normal(size=(p, p)))
    x = rng.standard_normal((rows, p)) * np.sqrt(eigenvalues) @ q.T + rng.normal(size=p) * 10
    return x, q.T


def eigh_components(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    values, vectors = torch.linalg.eigh(covariance(x))
    return vectors.flip(1)[:, :k].T.numpy(), values.flip(0)[:k].numpy()


def assert_same_up_to_sign(a: np.ndarray, b: np.ndarray, atol: float) -> None:
    signs = np.sign(np.sum(a * b, axis=1))[:, None]
    np.testing.assert_allclose(a, signs * b, atol=atol)


def projector(vectors: np.ndarray) -> np.ndarray:
    return vectors.T @ vectors


def test_matches_eigh_and_sklearn_on_known_components():
    from sklearn.decomposition import PCA

    x, truth = sample([9.0, 5.0, 3.0, 1.5, 0.7, 0.2])
    comps = principal_components(x, PowerIteration(components=4, tol=1e-12))
    vectors, values = eigh_components(x, 4)
    assert comps.converged.all() and comps.unconverged == 0
    assert_same_up_to_sign(comps.vectors, vectors, atol=1e-9)
    np.testing.assert_allclose(comps.eigenvalues, values, rtol=1e-12)
    sk = PCA(n_components=4, svd_solver="full").fit(x)
    assert_same_up_to_sign(comps.vectors, sk.components_, atol=1e-9)
    np.testing.assert_allclose(comps.eigenvalues, sk.explained_variance_, rtol=1e-10)
    np.testing.assert_allclose(comps.explained_variance_ratio, sk.explained_variance_ratio_, rtol=1e-10)
    # and the sample recovers the population's components (sampling error only)
    assert_same_up_to_sign(comps.vectors, truth[:4], atol=0.05)
    np.testing.assert_allclose(comps.vectors @ comps.vectors.T, np.eye(4), atol=1e-12)


def test_all_components_explain_all_variance_and_signs_are_fixed():
    x, _ = sample([4.0, 2.0, 1.0])
    comps = principal_components(x)
    assert comps.explained_variance_ratio.sum() == pytest.approx(1.0, rel=1e-12)
    largest = comps.vectors[np.arange(3), np.abs(comps.vectors).argmax(axis=1)]
    assert (largest > 0).all()
    scores = comps.scores(x - x.mean(axis=0))
    np.testing.assert_allclose(scores.var(axis=0, ddof=1), comps.eigenvalues, rtol=1e-10)


def test_near_degenerate_spectrum_converges_slowly_to_the_right_subspace(caplog):
    x, _ = sample([5.0, 4.97, 4.94, 1.0, 0.5, 0.2], seed=1)
    vectors, values = eigh_components(x, 3)
    slow = principal_components(x, PowerIteration(components=3, tol=1e-12, max_iter=100_000))
    assert slow.converged.all() and slow.iterations[0] > 500  # rate lambda_2 / lambda_1 ~ 0.994
    assert_same_up_to_sign(slow.vectors, vectors, atol=1e-6)
    np.testing.assert_allclose(slow.eigenvalues, values, rtol=1e-10)

    with caplog.at_level(logging.WARNING, logger="tasks.data_profile.pca"):
        capped = principal_components(x, PowerIteration(components=3, tol=1e-12, max_iter=40))
    assert not capped.converged[0] and capped.unconverged >= 1
    assert "principal component 1 did not converge in 40 iterations" in caplog.text
    # the top-3 subspace is well separated from the rest (gap 4.94 -> 1.0): right even where its
    # directions are not
    np.testing.assert_allclose(projector(capped.vectors), projector(vectors), atol=1e-6)


def test_rank_deficient_data_gives_zero_variance_components_without_warning(caplog):
    x, _ = sample([3.0, 1.0, 0.5])
    x = np.column_stack([x, x[:, 0] + x[:, 1]])  # a column that is a sum of two others
    with caplog.at_level(logging.WARNING, logger="tasks.data_profile.pca"):
        comps = principal_components(x, PowerIteration(tol=1e-10))
    assert comps.converged.all() and not caplog.text
    assert abs(comps.eigenvalues[-1]) < 1e-9 * comps.total_variance
    np.testing.assert_allclose(comps.vectors @ comps.vectors.T, np.eye(4), atol=1e-9)


def test_seeded_start_gives_the_same_result():
    x, _ = sample([4.0, 3.9, 1.0])
    a = principal_components(x, PowerIteration(max_iter=30, seed=7))
    b = principal_components(x, PowerIteration(max_iter=30, seed=7))
    np.testing.assert_array_equal(a.vectors, b.vectors)
    np.testing.assert_array_equal(a.iterations, b.iterations)


def test_bad_settings_and_shapes_are_errors():
    with pytest.raises(ValueError, match="components must be at least 1"):
        PowerIteration(components=0)
    with pytest.raises(ValueError, match="tol must be > 0"):
        PowerIteration(tol=0)
    with pytest.raises(ValueError, match="at least 2 rows"):
        covariance(np.ones((1, 3)))
    with pytest.raises(ValueError, match="square matrix with at least 4 rows"):
        power_iteration(np.eye(3), PowerIteration(components=4))
