"""First k principal components of an n x p matrix: Smelter's power iteration against torch.linalg.eigh of the
same covariance and scikit-learn's PCA (randomized, full SVD, covariance_eigh).

    python -m bench.bench_pca [--rows 1000000] [--cols 50] [--k 5] [--repeats 3] [--decay 0.8]

The data: standard normal rows scaled by sqrt(lambda_i) and rotated by a seeded random orthogonal matrix, with
lambda_i = decay^i (1 for i = 0), so component i converges at rate decay per power-iteration step. Accuracy is
against eigh of the sample covariance (float64): the largest angle in degrees between a method's component i and
eigh's (up to sign) over the first k, and the largest relative error of the explained variance. Wall seconds
are the median of ``--repeats`` runs; ``solve s`` is the time after the covariance (ours and eigh share the
covariance step; scikit-learn's solvers work on the data). Every method sees the same float64 array.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch

from bench.measure import print_table
from tasks.data_profile.pca import PowerIteration, covariance, power_iteration


def known_spectrum(rows: int, cols: int, decay: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(x: rows x cols float64 with covariance Q diag(decay^i) Q^T, Q)."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(cols, cols)))
    x = rng.standard_normal((rows, cols))
    x *= np.sqrt(decay ** np.arange(cols))
    return x @ q.T, q


def ours(x: np.ndarray, k: int, tol: float, max_iter: int) -> tuple[np.ndarray, np.ndarray, float, dict]:
    cov = covariance(x)
    solve = time.perf_counter()
    comps = power_iteration(cov, PowerIteration(k, tol, max_iter, seed=0))
    info = {"iterations": int(comps.iterations.sum()), "unconverged": comps.unconverged}
    return comps.vectors, comps.eigenvalues, time.perf_counter() - solve, info


def eigh(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, float, dict]:
    cov = covariance(x)
    solve = time.perf_counter()
    values, vectors = torch.linalg.eigh(cov)
    return vectors.flip(1)[:, :k].T.numpy(), values.flip(0)[:k].numpy(), time.perf_counter() - solve, {}


def sklearn_pca(solver: str) -> Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray, float, dict]]:
    def run(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, float, dict]:
        from sklearn.decomposition import PCA

        started = time.perf_counter()
        pca = PCA(n_components=k, svd_solver=solver, random_state=0).fit(x)
        return pca.components_, pca.explained_variance_, time.perf_counter() - started, {}

    return run


def accuracy(vectors: np.ndarray, values: np.ndarray, ref_vectors: np.ndarray, ref_values: np.ndarray) -> tuple:
    """(largest angle in degrees to the reference components, up to sign; largest relative variance error)."""
    cosines = np.sum(vectors * ref_vectors, axis=1)
    sines = np.linalg.norm(vectors - cosines[:, None] * ref_vectors, axis=1)  # exact near 0, unlike arccos
    angles = np.degrees(np.arctan2(sines, np.abs(cosines)))
    return float(angles.max()), float(np.max(np.abs(values / ref_values - 1)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=50)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--decay", type=float, default=0.8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tol", type=float, default=1e-10)
    parser.add_argument("--max-iter", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    x, _ = known_spectrum(args.rows, args.cols, args.decay, args.seed)
    methods: dict[str, Callable[[np.ndarray, int], tuple]] = {
        "power iteration (ours)": lambda a, k: ours(a, k, args.tol, args.max_iter),
        "torch.linalg.eigh": eigh,
        "sklearn randomized": sklearn_pca("randomized"),
        "sklearn full": sklearn_pca("full"),
        "sklearn covariance_eigh": sklearn_pca("covariance_eigh"),
    }
    ref_vectors, ref_values, _, _ = eigh(x, args.k)
    rows = []
    for name, method in methods.items():
        walls, solves = [], []
        for _ in range(args.repeats):
            started = time.perf_counter()
            vectors, values, solve, info = method(x, args.k)
            walls.append(time.perf_counter() - started)
            solves.append(solve)
        angle, variance_error = accuracy(vectors, values, ref_vectors, ref_values)
        rows.append(
            [
                name,
                statistics.median(walls),
                statistics.median(solves),
                f"{angle:.2e}",
                f"{variance_error:.2e}",
                str(info.get("iterations", "")),
                str(info.get("unconverged", "")),
            ]
        )
    print_table(
        f"first {args.k} principal components of {args.rows:,} x {args.cols} (decay {args.decay}, "
        f"tol {args.tol:g}, torch threads {torch.get_num_threads()}, median of {args.repeats})",
        ["method", "wall s", "solve s", "max angle deg", "max var rel err", "iterations", "unconverged"],
        rows,
    )


if __name__ == "__main__":
    main()
