"""Trace/density figures survive what a failed run produces: stuck chains and (nearly) constant draws."""
import numpy as np

from tasks.heart_risk.plots import density_edges, trace_figure


def test_density_edges_cover_the_draws_and_widen_a_constant_parameter():
    rng = np.random.default_rng(0)
    moving = rng.normal(size=(2, 50))
    edges = density_edges(moving)
    assert len(edges) == 41 and edges[0] == moving.min() and edges[-1] == moving.max()
    stuck = np.full((2, 30), 0.1234567) + np.array([[0.0], [1e-17]])
    edges = density_edges(stuck)
    assert np.all(np.diff(edges) > 0) and edges[0] < 0.1234567 < edges[-1]
    assert np.all(np.isfinite(density_edges(np.full((1, 5), np.nan))))


def test_trace_figure_draws_a_stuck_chain_next_to_a_moving_one():
    rng = np.random.default_rng(1)
    draws = {"w[a]": np.vstack([rng.normal(size=40), np.full(40, 0.3)]), "b": np.full((2, 40), -1.0)}
    fig = trace_figure(draws)
    density_axes = fig.axes[1::2]
    assert len(fig.axes) == 4 and all(len(ax.patches) == 2 for ax in density_axes)  # one histogram per chain
