"""Figures logged with the run: trace + density per parameter by chain, predictive draws, ROC."""

from __future__ import annotations

import numpy as np


def _figure(rows: int, cols: int, size: tuple[float, float]):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(rows, cols, figsize=size, squeeze=False)


def density_edges(x: np.ndarray, bins: int = 40) -> np.ndarray:
    """Bin edges shared by all chains; a (nearly) constant parameter, as in a stuck chain of a run that
    will fail the gate, gets a small window around its value instead of numpy's 'too many bins' error."""
    finite = np.asarray(x, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return np.linspace(-1.0, 1.0, bins + 1)
    lo, hi = float(finite.min()), float(finite.max())
    pad = 1e-3 * max(1.0, abs(lo), abs(hi))
    if hi - lo < pad:
        lo, hi = lo - pad, hi + pad
    return np.linspace(lo, hi, bins + 1)


def trace_figure(draws: dict[str, np.ndarray]):
    """One row per parameter ({name: (chains, samples)}): trace on the left, density on the right."""
    fig, axes = _figure(len(draws), 2, (11, 1.5 * len(draws)))
    for row, (name, x) in enumerate(draws.items()):
        edges = density_edges(x)
        for chain, series in enumerate(x):
            axes[row, 0].plot(series, lw=0.4, alpha=0.7, label=f"chain {chain}")
            axes[row, 1].hist(series, bins=edges, density=True, histtype="step", label=f"chain {chain}")
        axes[row, 0].set_ylabel(name, fontsize=8)
    axes[0, 0].legend(fontsize=7, ncol=len(x))
    axes[0, 0].set_title("trace")
    axes[0, 1].set_title("posterior density")
    fig.tight_layout()
    return fig


def predictive_figure(probs: np.ndarray, labels: np.ndarray, ids: np.ndarray, level: float = 0.9):
    """Histogram of the posterior probability draws (k, S) of k patients, with mean and interval."""
    fig, axes = _figure(1, len(probs), (3 * len(probs), 2.8))
    tail = (1 - level) / 2
    for ax, p, label, pid in zip(axes[0], probs, labels, ids, strict=False):
        ax.hist(p, bins=40, range=(0, 1), color="tab:blue", alpha=0.7)
        for q in np.quantile(p, [tail, 1 - tail]):
            ax.axvline(q, color="k", ls="--", lw=0.8)
        ax.axvline(p.mean(), color="tab:red", lw=1.2)
        ax.set_title(f"patient {pid} (disease={label})", fontsize=9)
        ax.set_xlabel("P(heart disease)")
    fig.tight_layout()
    return fig


def roc_figure(curves: dict[str, tuple[np.ndarray, np.ndarray]]):
    """ROC curves, one per split name: {"train": (y, probability), "test": (y, probability)}."""
    from sklearn.metrics import roc_auc_score, roc_curve

    fig, axes = _figure(1, 1, (5, 5))
    ax = axes[0, 0]
    for name, (y, p) in curves.items():
        fpr, tpr, _ = roc_curve(y, p)
        ax.plot(fpr, tpr, label=f"{name} (AUC {roc_auc_score(y, p):.3f})")
    ax.plot([0, 1], [0, 1], color="grey", ls=":")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.legend()
    fig.tight_layout()
    return fig
