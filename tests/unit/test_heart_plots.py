"""The run's figures draw the numbers they are given: trace/density per chain (also for the stuck chains and
constant draws of a failed run), predictive histograms per patient, ROC curves with their AUC."""

import numpy as np
import pytest

from tasks.heart_risk.plots import density_edges, predictive_figure, roc_figure, trace_figure


def step_histogram(patch) -> tuple[np.ndarray, np.ndarray]:
    """(edges, heights) of a ``histtype="step"`` outline: (e0, 0), (e0, h0), (e1, h0), (e1, h1) ... (eN, 0)."""
    xy = patch.get_xy()
    return np.append(xy[1:-1:2, 0], xy[-1, 0]), xy[1:-1:2, 1]


def test_density_edges_cover_the_draws_and_widen_a_constant_parameter():
    rng = np.random.default_rng(0)
    moving = rng.normal(size=(2, 50))
    edges = density_edges(moving)
    assert len(edges) == 41 and edges[0] == moving.min() and edges[-1] == moving.max()
    np.testing.assert_allclose(np.diff(edges), (moving.max() - moving.min()) / 40)
    stuck = np.full((2, 30), 0.1234567) + np.array([[0.0], [1e-17]])
    edges = density_edges(stuck)
    assert np.all(np.diff(edges) > 0) and edges[0] < 0.1234567 < edges[-1]
    assert edges[-1] - edges[0] == pytest.approx(2e-3)  # +- 1e-3 * max(1, |value|)
    np.testing.assert_allclose(density_edges(np.full((1, 5), np.nan)), np.linspace(-1, 1, 41))
    assert len(density_edges(moving, bins=7)) == 8


def test_trace_figure_draws_each_chain_as_given_next_to_its_density():
    rng = np.random.default_rng(1)
    draws = {"w[a]": np.vstack([rng.normal(size=40), np.full(40, 0.3)]), "b": np.full((2, 40), -1.0)}
    fig = trace_figure(draws)
    assert fig.axes[0].get_title() == "trace" and fig.axes[1].get_title() == "posterior density"
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["chain 0", "chain 1"]
    for row, (name, x) in enumerate(draws.items()):
        trace, density = fig.axes[2 * row], fig.axes[2 * row + 1]
        assert trace.get_ylabel() == name
        assert [line.get_label() for line in trace.lines] == ["chain 0", "chain 1"]
        for line, series in zip(trace.lines, x, strict=True):
            np.testing.assert_array_equal(line.get_ydata(), series)
            np.testing.assert_array_equal(line.get_xdata(), np.arange(40))
        assert len(density.patches) == 2  # one density outline per chain, on the edges shared by the chains
        for patch, series in zip(density.patches, x, strict=True):
            edges, heights = step_histogram(patch)
            np.testing.assert_allclose(edges, density_edges(x))
            np.testing.assert_allclose(heights, np.histogram(series, bins=density_edges(x), density=True)[0])
    # the stuck chain of w[a] (all 0.3) is one spike holding all its mass; the moving one spreads out
    _, stuck = step_histogram(fig.axes[1].patches[1])
    assert np.count_nonzero(stuck) == 1
    assert np.count_nonzero(step_histogram(fig.axes[1].patches[0])[1]) > 10


def test_predictive_figure_shows_each_patients_draws_mean_and_interval():
    rng = np.random.default_rng(2)
    probs = np.vstack([rng.beta(2, 8, size=500), rng.beta(8, 2, size=500)])
    fig = predictive_figure(probs, labels=np.array([0, 1]), ids=np.array([17, 4]), level=0.8)
    assert len(fig.axes) == 2
    for ax, p, title in zip(fig.axes, probs, ["patient 17 (disease=0)", "patient 4 (disease=1)"], strict=True):
        assert ax.get_title() == title and ax.get_xlabel() == "P(heart disease)"
        counts, edges = np.histogram(p, bins=40, range=(0, 1))
        np.testing.assert_array_equal([bar.get_height() for bar in ax.patches], counts)
        np.testing.assert_allclose([bar.get_x() for bar in ax.patches], edges[:-1], atol=1e-12)
        low, high, mean = (line.get_xdata()[0] for line in ax.lines)
        np.testing.assert_allclose([low, high], np.quantile(p, [0.1, 0.9]))
        assert mean == pytest.approx(p.mean())
    assert fig.axes[0].lines[2].get_xdata()[0] < 0.5 < fig.axes[1].lines[2].get_xdata()[0]


def test_roc_figure_draws_each_curve_from_0_0_to_1_1_with_its_auc():
    y = np.array([0, 0, 1, 1, 0, 1, 0, 1])
    perfect = y * 0.8 + 0.1
    mixed = np.array([0.1, 0.6, 0.4, 0.9, 0.2, 0.7, 0.8, 0.3])
    fig = roc_figure({"train": (y, perfect), "test": (y, mixed)})
    (ax,) = fig.axes
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("false positive rate", "true positive rate")
    train, test, chance = ax.lines
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    # mixed: 11 of the 16 (positive, negative) pairs ranked right -> AUC 0.6875
    assert legend[:2] == ["train (AUC 1.000)", "test (AUC 0.688)"] == [train.get_label(), test.get_label()]
    for curve in (train, test):
        x, t = curve.get_xdata(), curve.get_ydata()
        assert (x[0], t[0], x[-1], t[-1]) == (0, 0, 1, 1)
        assert np.all(np.diff(x) >= 0) and np.all(np.diff(t) >= 0)
    np.testing.assert_array_equal(train.get_xydata(), [[0, 0], [0, 1], [1, 1]])  # perfect: through (0, 1)
    np.testing.assert_array_equal(chance.get_xydata(), [[0, 0], [1, 1]])
