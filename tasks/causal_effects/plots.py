"""Figures logged with the run: estimated vs true effect per learner, and the ATE intervals side by side."""

from __future__ import annotations

import numpy as np

from tasks.causal_effects.estimate import NAIVE, Estimates

MAX_POINTS = 3_000  # rows drawn per panel (a seeded subsample beyond that)


def _figure(rows: int, cols: int, size: tuple[float, float]):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(rows, cols, figsize=size, squeeze=False)


def effects_figure(est: Estimates, truth: np.ndarray | None):
    """One panel per learner: estimated CATE against the true effect (with y = x and the PEHE), or, when no
    truth is known, the distribution of the estimated CATE."""
    names = list(est.learners)
    fig, axes = _figure(1, len(names), (4 * len(names), 4))
    n = len(next(iter(est.learners.values())).cate)
    shown = np.random.default_rng(0).choice(n, size=min(n, MAX_POINTS), replace=False)
    for ax, name in zip(axes[0], names, strict=True):
        result = est.learners[name]
        if truth is None:
            ax.hist(result.cate, bins=40, color="tab:blue", alpha=0.7)
            ax.axvline(result.ate.estimate, color="tab:red", lw=1.2, label=f"ATE {result.ate.estimate:.3g}")
            ax.set_xlabel("estimated effect (CATE)")
            ax.legend(fontsize=8)
        else:
            ax.scatter(truth[shown], result.cate[shown], s=4, alpha=0.4)
            low, high = float(min(truth.min(), result.cate.min())), float(max(truth.max(), result.cate.max()))
            ax.plot([low, high], [low, high], color="k", lw=0.8, ls="--")
            ax.set_xlabel("true effect")
            ax.set_ylabel("estimated effect (CATE)")
        title = f"{name.upper()}-learner" + (f": PEHE {result.pehe:.3g}" if result.pehe is not None else "")
        ax.set_title(title + (" (chosen)" if name == est.best else ""), fontsize=10)
    fig.tight_layout()
    return fig


def ate_figure(est: Estimates):
    """The ATE of each learner and of the naive difference in means (dots) with their intervals (bars; a
    bootstrap interval has the bootstrap's bias removed: not always around the dot); the true ATE dashed."""
    rows = [(NAIVE, est.naive), *((f"{n.upper()}-learner", r.ate) for n, r in est.learners.items())]
    fig, axes = _figure(1, 1, (6, 0.6 * len(rows) + 1.5))
    ax = axes[0, 0]
    for i, (label, interval) in enumerate(rows):
        color = "tab:grey" if label == NAIVE else "tab:blue"
        ax.hlines(i, interval.lower, interval.upper, color=color, lw=2)
        ax.plot(interval.estimate, i, "o", color=color)
    if est.true_ate is not None:
        ax.axvline(est.true_ate, color="tab:red", ls="--", lw=1, label=f"true ATE {est.true_ate:.3g}")
        ax.legend(fontsize=8)
    ax.set_yticks(range(len(rows)), [label for label, _ in rows])
    methods = " / ".join(dict.fromkeys(interval.method for _, interval in rows))
    ax.set_xlabel(f"average effect ({rows[0][1].level:.0%} intervals: {methods})")
    fig.tight_layout()
    return fig
