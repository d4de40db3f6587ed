"""Figures logged with each forecaster run."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _figure(**kw):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(**kw)


def importance_figure(importance: pd.Series):
    """Horizontal bars of feature importance (gain)."""
    fig, ax = _figure(figsize=(6, 4))
    importance.sort_values().plot.barh(ax=ax, color="#c0392b")
    ax.set_xlabel("total gain")
    ax.set_title("Feature importance")
    fig.tight_layout()
    return fig


def forecast_figure(test: pd.DataFrame, predicted: np.ndarray, states: list[str]):
    """Actual vs forecast units per day for a few states, one panel each."""
    fig, axes = _figure(nrows=len(states), figsize=(9, 2.4 * len(states)), squeeze=False)
    frame = test.assign(forecast=predicted)
    for ax, state in zip(axes[:, 0], states, strict=False):
        part = frame[frame["state"] == state].sort_values("date")
        ax.plot(pd.to_datetime(part["date"]), part["units_sold"], lw=0.8, label="actual")
        ax.plot(pd.to_datetime(part["date"]), part["forecast"], lw=1.2, label="forecast")
        ax.set_title(state)
        ax.set_ylabel("units")
    axes[0, 0].legend(loc="upper left")
    fig.tight_layout()
    return fig


def showcase_states(test: pd.DataFrame, n: int = 3) -> list[str]:
    """The ``n`` states with the most units in the test period (deterministic)."""
    totals = test.groupby("state")["units_sold"].sum().sort_values(ascending=False, kind="stable")
    return totals.index[:n].tolist()
