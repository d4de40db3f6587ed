"""Intervals, errors and resampling of the causal estimation, on numbers worked by hand."""

import numpy as np
import pytest

from tasks.causal_effects.evaluate import (
    aipw_scores,
    bootstrap_interval,
    bootstrap_rows,
    crossfit_folds,
    mean_interval,
    naive_difference,
    pehe,
    r_loss,
)


def test_bootstrap_interval_removes_the_bootstrap_bias_and_uses_the_replicates_sd():
    replicates = np.array([1.0, 2.0, 3.0, 4.0])  # mean 2.5, sd (ddof 1) 1.290994
    ci = bootstrap_interval(2.0, replicates, 0.95)  # bias +0.5: centred on 1.5
    assert ci.estimate == 2.0 and ci.bias == 0.5 and ci.se == pytest.approx(1.290994, rel=1e-6)
    assert ci.lower == pytest.approx(1.5 - 2.530303, abs=1e-6) and ci.upper == pytest.approx(1.5 + 2.530303, abs=1e-6)
    assert ci.covers(-1.0) and not ci.covers(4.1)
    unbiased = bootstrap_interval(2.5, replicates, 0.9)
    assert unbiased.bias == 0.0 and unbiased.upper - 2.5 == pytest.approx(2.5 - unbiased.lower)
    with pytest.raises(ValueError, match="level"):
        bootstrap_interval(2.0, replicates, 95)
    with pytest.raises(ValueError, match="at least 2"):
        bootstrap_interval(2.0, replicates[:1], 0.95)


def test_errors_against_the_truth_and_the_naive_difference():
    assert pehe(np.array([1.0, 3.0]), np.array([2.0, 2.0])) == 1.0
    assert naive_difference(np.array([0, 0, 1, 1]), np.array([1.0, 3.0, 5.0, 7.0])) == 4.0


def test_r_loss_is_the_residual_on_residual_error_and_prefers_the_true_effect():
    y, t = np.array([3.0, 1.0, 4.0, 0.0]), np.array([1, 0, 1, 0])
    m, e = np.array([2.0, 2.0, 2.0, 2.0]), np.full(4, 0.5)
    # residuals y - m = 1, -1, 2, -2; t - e = .5, -.5, .5, -.5: tau = 2 row 1, 4 row 3 fit exactly
    assert r_loss(y, t, m, e, np.array([2.0, 2.0, 4.0, 4.0])) == 0.0
    assert r_loss(y, t, m, e, np.zeros(4)) == pytest.approx(2.5)


def test_bootstrap_resamples_within_arms_and_is_seeded():
    t = np.array([0] * 7 + [1] * 3)
    first, again = bootstrap_rows(t, 5, seed=1), bootstrap_rows(t, 5, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert all(len(r) == 10 and t[r].sum() == 3 for r in first)
    assert any(len(set(r.tolist())) < 10 for r in first)  # with replacement


def test_crossfit_folds_deal_each_arm_round_the_folds_and_are_seeded():
    t = np.array([0] * 80 + [1] * 20)
    fold = crossfit_folds(t, 5, seed=0)
    assert np.array_equal(fold, crossfit_folds(t, 5, seed=0)) and not np.array_equal(fold, crossfit_folds(t, 5, 1))
    assert [(fold[t == 0] == k).sum() for k in range(5)] == [16] * 5
    assert [(fold[t == 1] == k).sum() for k in range(5)] == [4] * 5
    with pytest.raises(ValueError, match="at least 2 folds"):
        crossfit_folds(t, 1, seed=0)


def test_aipw_scores_correct_a_wrong_effect_with_the_residuals():
    y, t = np.array([3.0, 1.0]), np.array([1, 0])
    m, e = np.array([2.0, 2.0]), np.full(2, 0.5)
    # the treated row is 1 above m, the control 1 below: the effect is 2 whatever the learner says
    for wrong in (0.0, 5.0):
        np.testing.assert_allclose(aipw_scores(y, t, m, e, np.full(2, wrong)), [2.0, 2.0])
    extreme = aipw_scores(y, t, m, np.array([0.0, 1.0]), np.zeros(2))  # clipped to 0.01 and 0.99
    np.testing.assert_allclose(extreme, [100.0, 100.0])


def test_mean_interval_is_the_mean_plus_minus_z_standard_errors():
    ci = mean_interval(np.array([1.0, 2.0, 3.0, 4.0]), 0.95)  # sd 1.290994, se 0.645497
    assert ci.estimate == 2.5 and ci.se == pytest.approx(0.645497, rel=1e-6) and ci.method == "aipw"
    assert ci.lower == pytest.approx(2.5 - 1.265151, abs=1e-6) and ci.upper == pytest.approx(2.5 + 1.265151, abs=1e-6)
    with pytest.raises(ValueError, match="level"):
        mean_interval(np.ones(4), 1.5)


def test_effect_config_names_a_bad_interval_or_fold_count():
    from tasks.causal_effects.estimate import EffectConfig

    with pytest.raises(ValueError, match=r"interval must be one of \('aipw', 'bootstrap'\), got 'jackknife'"):
        EffectConfig(interval="jackknife")
    with pytest.raises(ValueError, match="folds must be at least 2"):
        EffectConfig(folds=1)
