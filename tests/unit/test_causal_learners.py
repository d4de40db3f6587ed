"""S-, T- and X-learners on linear base models: known effects recovered, base models resolved by name."""

import numpy as np
import pytest

from tasks.causal_effects.base_models import BaseModelError, BaseModels, make_estimator
from tasks.causal_effects.learners import SLearner, TLearner, XLearner, learner_names, make_learner

LINEAR = BaseModels("sklearn.linear_model.LinearRegression", "sklearn.linear_model.LogisticRegression")


def linear_data(n: int = 400, seed: int = 0):
    """y = 1 + 2 x0 - x1 + t (1 + x0) + small noise; treatment more likely where x0 is high."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    t = rng.binomial(1, 1 / (1 + np.exp(-x[:, 0])))
    tau = 1 + x[:, 0]
    y = 1 + 2 * x[:, 0] - x[:, 1] + t * tau + rng.normal(0, 0.01, n)
    return x, t, y, tau


@pytest.mark.parametrize("cls", [TLearner, XLearner])
def test_two_model_learners_recover_a_linear_heterogeneous_effect(cls):
    x, t, y, tau = linear_data()
    cate = cls(LINEAR).fit(x, t, y).effect(x)
    np.testing.assert_allclose(cate, tau, atol=0.01)


def test_s_learner_with_a_linear_model_finds_the_average_effect_only():
    x, t, y, tau = linear_data()
    cate = SLearner(LINEAR).fit(x, t, y).effect(x)
    assert np.ptp(cate) < 1e-9  # t enters additively: one effect for every row
    assert abs(cate.mean() - 1.0) < 0.1 and abs(cate.mean() - tau.mean()) < 0.1


def test_binary_outcome_uses_classifiers_and_gives_probability_differences():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(600, 1))
    t = rng.binomial(1, 0.5, 600)
    y = rng.binomial(1, 1 / (1 + np.exp(-(x[:, 0] + 1.5 * t))))
    for name in ("s", "t", "x"):
        cate = make_learner(name, LINEAR, binary_outcome=True).fit(x, t, y).effect(x)
        assert ((cate > 0) & (cate < 1)).all(), name


def test_lightgbm_is_the_default_and_takes_the_seed():
    model = make_estimator("lightgbm", "regressor", seed=7)
    assert type(model).__name__ == "LGBMRegressor" and model.get_params()["random_state"] == 7
    assert type(BaseModels().make("classifier")).__name__ == "LGBMClassifier"
    forest = make_estimator("sklearn.ensemble.RandomForestRegressor", "regressor", seed=3)
    assert forest.get_params()["random_state"] == 3


def test_the_default_propensity_is_a_standardised_logistic_regression():
    propensity = BaseModels(seed=5).make("propensity")
    assert [type(step).__name__ for step in propensity] == ["StandardScaler", "LogisticRegression"]
    rng = np.random.default_rng(0)
    x = rng.normal(1000.0, 100.0, size=(400, 1))  # unscaled features
    truth = 1 / (1 + np.exp(-(x[:, 0] - 1000.0) / 100.0))
    e = propensity.fit(x, rng.binomial(1, truth)).predict_proba(x)[:, 1]
    assert np.abs(e - truth).max() < 0.1
    with pytest.raises(BaseModelError, match="'logistic' \\(a classifier\\)"):
        BaseModels(regressor="logistic").check()


@pytest.mark.parametrize(
    ("name", "kind", "words"),
    [
        ("sklearn.linear_model.NoSuchModel", "regressor", "does not import"),
        ("no_such_package.Model", "regressor", "does not import"),
        ("LinearRegression", "regressor", "dotted class name"),
        ("sklearn.linear_model.LinearRegression", "classifier", "no predict_proba"),
        ("sklearn.pipeline.Pipeline", "regressor", "cannot be made with its defaults"),
    ],
)
def test_bad_base_model_names_are_clear_errors(name, kind, words):
    with pytest.raises(BaseModelError, match=words):
        make_estimator(name, kind, seed=0)


def test_learner_names_are_normalised_and_checked():
    assert learner_names(["S", "t-learner", "X", "s"]) == ["s", "t", "x"]
    with pytest.raises(ValueError, match=r"unknown learner\(s\) \['r'\]"):
        learner_names(["s", "r"])
