"""The meta-learners against known answers on the store simulation (n = 2,000, LightGBM learners, logistic
propensity, 5-fold cross-fitted AIPW intervals).

Measured over seeds 1-10 (``python -m bench.causal_coverage``, README "Causal effects"): on the confounded
stores the naive difference misses the true ATE in 10/10 and every learner's AIPW interval covers it in
10/10; without an effect the naive difference finds one in 10/10 and every learner's interval covers 0 in
10/10 (the plug-in ATE with 20 bootstrap refits: S 10, T 8, X 9). The X-learner's PEHE beats the
S-learner's in 10/10 seeds with 5 % of stores promoted (5/10 at 8 %, 3/10 when balanced).
"""

import numpy as np
import pytest

from tasks.causal_effects.base_models import BaseModels
from tasks.causal_effects.estimate import Design, EffectConfig, estimate_effects, fit_learner
from tasks.causal_effects.evaluate import pehe
from tasks.causal_effects.schema import resolve_roles
from tasks.causal_effects.sources import Simulation, simulate_stores


def stores(**knobs) -> Design:
    df = simulate_stores(Simulation(**knobs))
    return Design.of(df, resolve_roles(list(df.columns), "promotion", "sales", None))


def test_on_confounded_stores_the_naive_difference_misses_and_every_learner_covers_the_true_ate():
    d = stores(seed=1)
    est = estimate_effects(EffectConfig(n_bootstrap=20, seed=1), d)
    truth = est.true_ate
    assert truth is not None
    assert truth == pytest.approx(2.0, abs=0.1)
    assert est.naive.lower > truth + 1  # promoted stores sell more anyway: the naive difference is biased up
    for name, result in est.learners.items():
        assert result.ate.covers(truth), (name, result.ate, truth)
        assert result.ate_error < 0.1 and result.pehe < 1.0
    assert est.criterion == "pehe" and est.best == min(est.learners, key=lambda n: est.learners[n].pehe)


@pytest.mark.parametrize("seed", [3, 6, 8])  # where the bootstrap's intervals missed 0: X at 3, T at 6 and 8
def test_without_an_effect_the_learners_find_none(seed):
    d = stores(seed=seed, no_effect=True)
    est = estimate_effects(EffectConfig(n_bootstrap=20, seed=seed), d)
    assert est.true_ate == 0.0 and est.naive.lower > 1  # the naive difference finds a spurious effect
    for name, result in est.learners.items():
        assert result.ate.method == "aipw" and result.ate.covers(0.0), (name, result.ate)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_x_learner_beats_the_s_learner_when_few_stores_are_promoted(seed):
    d = stores(seed=seed, treated_share=0.05)
    assert d.t.sum() < 150
    cfg = EffectConfig(learners=("s", "x"), seed=seed)
    errors = {name: pehe(fit_learner(name, cfg, d).effect(d.x), d.truth) for name in ("s", "x")}
    assert errors["x"] < errors["s"], errors


def test_a_scikit_learn_base_model_plugs_in_by_name():
    d = stores(seed=4, rows=600)
    cfg = EffectConfig(
        learners=("t",),
        n_bootstrap=5,
        base=BaseModels("sklearn.ensemble.RandomForestRegressor", "sklearn.linear_model.LogisticRegression", seed=4),
    )
    est = estimate_effects(cfg, d)
    assert type(est.learners["t"].learner.model0_).__name__ == "RandomForestRegressor"
    assert np.isfinite(est.learners["t"].cate).all() and abs(est.learners["t"].ate.estimate - est.true_ate) < 0.5
