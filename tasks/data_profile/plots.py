"""Figures of a profile (matplotlib ``Figure`` objects, no pyplot state) and their PNG bytes."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from tasks.data_profile.families import family
from tasks.data_profile.profile import ColumnFits, TableComponents

MAX_LEGEND = 12  # categories beyond this are coloured without a legend
QQ_POINTS = 200


def scree_figure(profile: TableComponents) -> Figure:
    """Explained variance ratio per component (bars) and its running total (line); unconverged bars hatched."""
    comps = profile.components
    ratio = comps.explained_variance_ratio
    ks = np.arange(1, len(ratio) + 1)
    fig = Figure(figsize=(7, 4.5))
    ax = fig.add_subplot()
    bars = ax.bar(ks, ratio, color="tab:blue", label="component")
    for bar, ok in zip(bars, comps.converged, strict=True):
        if not ok:
            bar.set_hatch("//")
    ax.plot(ks, np.cumsum(ratio), marker="o", color="tab:orange", label="cumulative")
    ax.set(
        xlabel="principal component",
        ylabel="share of variance explained",
        ylim=(0, 1.05),
        xticks=ks,
        title=f"{profile.dataset}: scree ({len(profile.columns)} standardised columns, {profile.rows:,} rows)",
    )
    ax.legend()
    return fig


def projection_figure(profile: TableComponents) -> Figure:
    """Rows on the first two components, coloured by ``profile.color_by`` (a colour bar for numbers,
    a legend for a few categories)."""
    scores, colors = profile.sample_scores, profile.sample_colors
    fig = Figure(figsize=(7, 5.5))
    ax = fig.add_subplot()
    y = scores[:, 1] if scores.shape[1] > 1 else np.zeros(len(scores))
    if colors is None:
        ax.scatter(scores[:, 0], y, s=6, alpha=0.5)
    elif pd.api.types.is_numeric_dtype(colors) and colors.nunique() > MAX_LEGEND:
        points = ax.scatter(scores[:, 0], y, c=colors.to_numpy(dtype=float), s=6, alpha=0.6, cmap="viridis")
        fig.colorbar(points, ax=ax, label=profile.color_by)
    else:
        levels = sorted(colors.dropna().unique())  # numbers in numeric order (1, 2, ..., 10, not 1, 10, 2)
        for code, level in enumerate(levels):
            mask = (colors == level).to_numpy()
            ax.scatter(scores[mask, 0], y[mask], s=6, alpha=0.6, color=f"C{code % 10}", label=str(level))
        if len(levels) <= MAX_LEGEND:
            ax.legend(title=profile.color_by, markerscale=3)
    ratio = profile.components.explained_variance_ratio
    second = f"PC2 ({ratio[1]:.1%})" if len(ratio) > 1 else "(one component)"
    ax.set(
        xlabel=f"PC1 ({ratio[0]:.1%})",
        ylabel=second,
        title=f"{profile.dataset}: projection of {len(scores):,} rows"
        + (f" by {profile.color_by}" if colors is not None else ""),
    )
    return fig


def fit_figure(column: ColumnFits) -> Figure:
    """Left: the values' histogram (counts: frequencies) with every candidate's density (pmf), the chosen
    one bold. Right: quantile-quantile plot of the values against the chosen fit."""
    x, best = column.values, column.best
    fig = Figure(figsize=(11, 4.5))
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    lo, hi = np.percentile(x, [0.5, 99.5])
    if family(best.family).discrete:  # a pmf is a density per unit: comparable with a histogram of any width
        grid = np.unique(np.linspace(np.floor(lo), np.ceil(hi), 300).round())
        bins: int | list[float] = np.arange(grid[0] - 0.5, grid[-1] + 1.5).tolist() if len(grid) <= 80 else 60
    else:
        grid, bins = np.linspace(lo, hi, 300), 60
    heights, _, _ = left.hist(x, bins=bins, range=(grid[0], grid[-1]), density=True, color="lightgray", label="values")
    for fit in column.fits:
        left.plot(grid, np.exp(fit.logdensity(grid)), lw=3 if fit is best else 1, label=fit.family)
    top = max(float(np.max(heights)), float(np.exp(best.logdensity(grid)).max()))
    left.set_ylim(0, 1.3 * top)  # a far-off candidate's spike does not flatten the data
    left.set(xlabel=column.column, ylabel="density", title=f"{column.dataset}:{column.column} ({len(x):,} values)")
    left.legend()
    probs = (np.arange(QQ_POINTS) + 0.5) / QQ_POINTS
    theoretical = best.distribution().ppf(probs)
    right.scatter(theoretical, np.quantile(x, probs), s=8)
    ends = [min(theoretical.min(), x.min()), max(theoretical.max(), np.quantile(x, probs[-1]))]
    right.plot(ends, ends, color="gray", lw=1)
    right.set(xlabel=f"{best.family} quantile", ylabel="value quantile", title=f"QQ against {best.family} (best AIC)")
    return fig


def png(fig: Figure, dpi: int = 80) -> bytes:
    """The figure as PNG bytes (small enough to embed in a markdown artifact)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()
