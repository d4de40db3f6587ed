"""Figures of solved networks (matplotlib ``Figure`` objects, no pyplot state)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from tasks.network_design.design import NetworkDesign


def _coordinates(cities: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, str, str]:
    if {"lat", "lon"} <= set(cities.columns):
        return cities["lon"].to_numpy(), cities["lat"].to_numpy(), "longitude", "latitude"
    return cities["x"].to_numpy(), cities["y"].to_numpy(), "x (km)", "y (km)"


def network_map_figure(design: NetworkDesign) -> Figure:
    """Cities sized by population, open legs with line width growing with volume (sqrt scale,
    so light legs stay visible next to the heaviest)."""
    inst = design.instance
    x, y, xlabel, ylabel = _coordinates(inst.cities)
    fig = Figure(figsize=(9, 6))
    ax = fig.add_subplot()
    top = max(float(design.volume.max()), 1.0)
    for e in np.flatnonzero(design.open_legs):
        u, v = inst.col("u")[e], inst.col("v")[e]
        ax.plot(
            [x[u], x[v]],
            [y[u], y[v]],
            color="tab:blue",
            alpha=0.6,
            linewidth=0.3 + 7.0 * np.sqrt(design.volume[e] / top),
        )
    pop = inst.cities["population"].to_numpy(dtype=float)
    ax.scatter(x, y, s=20 + 200 * pop / pop.max(), color="tab:red", zorder=3)
    for name, xi, yi in zip(inst.cities["name"], x, y, strict=False):
        ax.annotate(name, (xi, yi), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set(
        xlabel=xlabel,
        ylabel=ylabel,
        title=f"threshold {inst.threshold:g}: {int(design.open_legs.sum())} legs, "
        f"cost {design.stats.objective:,.0f} ({design.stats.status}, gap {design.stats.gap:.2%})",
    )
    return fig


def volume_distribution_figure(legs: pd.DataFrame) -> Figure:
    """Leg volumes sorted high to low, one line per threshold (``legs``: threshold, volume)."""
    fig = Figure(figsize=(8, 5))
    ax = fig.add_subplot()
    for threshold, group in legs.groupby("threshold"):
        volumes = np.sort(group["volume"].to_numpy())[::-1]
        ax.plot(np.arange(1, len(volumes) + 1), volumes, marker=".", label=f"threshold {threshold:g}")
    ax.set(xlabel="leg rank", ylabel="passengers on leg", yscale="log", title="distribution of volume over legs")
    ax.legend()
    return fig
