"""The profile's figures: unconverged components marked, numbers coloured on a scale, categories in a legend,
a far-off candidate does not flatten the histogram."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.data_profile.pca import PowerIteration
from tasks.data_profile.plots import fit_figure, png, projection_figure, scree_figure
from tasks.data_profile.profile import profile_column, profile_components
from tasks.data_profile.schema import ColumnRef, TablePlan


def table(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=n), rng.normal(size=n)
    return pd.DataFrame(
        {"a": a, "b": a + 0.01 * b, "c": b, "score": rng.normal(size=n), "group": rng.choice(list("xyz"), n)}
    )


def test_unconverged_bars_are_hatched_and_numbers_get_a_colour_bar():
    frame = table()
    profile = profile_components(
        frame, TablePlan("gold/heart_features", ("a", "b", "c"), "score"), "1", PowerIteration(max_iter=1)
    )
    assert profile.components.unconverged > 0
    scree = scree_figure(profile)
    hatched = [bar.get_hatch() for bar in scree.axes[0].patches]
    assert hatched[: profile.components.unconverged].count("//") >= 1
    numeric = projection_figure(profile)
    assert len(numeric.axes) == 2  # the plot and its colour bar
    grouped = profile_components(frame, TablePlan("gold/heart_features", ("a", "c"), "group"), "1")
    legend = projection_figure(grouped).axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["x", "y", "z"]
    assert png(numeric).startswith(b"\x89PNG")


def test_fit_figure_keeps_the_data_in_view():
    rng = np.random.default_rng(4)
    counts = pd.DataFrame({"n": rng.negative_binomial(1, 1 / 301, 5_000)})
    column = profile_column(counts, ColumnRef("gold/demand_features", "n", "count"), "1")
    left, right = fit_figure(column).axes
    heights = [p.get_height() for p in left.patches]
    assert left.get_ylim()[1] < 2 * max(heights)  # not the Poisson's spike
    assert right.get_title() == "QQ against negative_binomial (best AIC)"
