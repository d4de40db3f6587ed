"""Short NUTS runs of the Pyro model: shapes, seeding, parallel workers, diagnostics and the gate."""

import numpy as np
import pandas as pd
import pytest

from tasks.heart_risk.diagnostics import convergence_gate, convergence_table, parameter_draws
from tasks.heart_risk.sampling import NutsConfig, sample_posterior


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 3))
    y = (rng.random(80) < 1 / (1 + np.exp(-(x @ np.array([1.5, -1.0, 0.0]) + 0.3)))).astype(float)
    return x, y


def test_short_run_shapes_seeding_and_a_failed_gate(data):
    x, y = data
    cfg = NutsConfig(chains=2, samples=25, warmup=10, seed=5, jit=False, workers=1, engine="model")
    post = sample_posterior(x, y, cfg)
    assert post.w.shape == (2, 25, 3) and post.b.shape == (2, 25)
    assert post.flat()[0].shape == (50, 3) and len(post.chain_stats) == 2
    assert not np.allclose(post.w[0], post.w[1])  # chains have their own seeds
    table = convergence_table(parameter_draws(post.w, post.b, ["a", "b_", "c"]))
    assert list(table["parameter"]) == ["w[a]", "w[b_]", "w[c]", "b"]
    gate = convergence_gate(table, max_r_hat=1.01, min_n_eff=400)
    assert not gate.passed  # 50 draws can never reach 400 effective samples
    assert gate.message.startswith("not converged") and "w[a]: n_eff" in gate.message
    again = sample_posterior(x, y, cfg)
    np.testing.assert_array_equal(post.w, again.w)


def test_chains_in_parallel_processes_recover_the_signal(data):
    x, y = data
    cfg = NutsConfig(chains=3, samples=60, warmup=60, seed=1, workers=2)
    post = sample_posterior(x, y, cfg)
    in_process = sample_posterior(x, y, NutsConfig(chains=3, samples=60, warmup=60, seed=1, workers=1))
    np.testing.assert_array_equal(post.w, in_process.w)  # chain c is seeded seed + c wherever it runs
    assert [s["chain"] for s in post.chain_stats] == [0, 1, 2]
    w = post.flat()[0]
    assert w[:, 0].mean() > 0.5 and w[:, 1].mean() < -0.3  # true weights 1.5 and -1.0, shrunk by the prior
    table = convergence_table(parameter_draws(post.w, post.b, ["x0", "x1", "x2"]))
    assert table["r_hat"].max() < 1.2


def test_gate_names_each_failing_parameter():
    table = pd.DataFrame(
        {"parameter": ["w[Age]", "w[Sex_M]", "b"], "r_hat": [1.002, 1.05, np.nan], "n_eff": [900.0, 120.0, 800.0]}
    )
    gate = convergence_gate(table, max_r_hat=1.01, min_n_eff=400)
    assert not gate.passed
    assert gate.failures == ("w[Sex_M]: r_hat 1.0500 > 1.01", "b: r_hat nan > 1.01", "w[Sex_M]: n_eff 120 < 400")
    assert convergence_gate(table.iloc[:1], 1.01, 400).passed


def test_r_hat_flags_chains_stuck_in_different_places():
    rng = np.random.default_rng(2)
    mixed = rng.normal(size=(4, 500))
    stuck = mixed + np.array([0.0, 0.0, 3.0, 3.0])[:, None]
    table = convergence_table({"good": mixed, "stuck": stuck}).set_index("parameter")
    assert table.loc["good", "r_hat"] < 1.01 and table.loc["good", "n_eff"] > 1500
    assert table.loc["stuck", "r_hat"] > 1.5


def test_a_failing_chain_worker_is_a_clear_error(data):
    x, y = data
    with pytest.raises(RuntimeError, match="NUTS chain worker failed"):
        sample_posterior(x, y[:10], NutsConfig(chains=2, samples=5, warmup=5, workers=2))
