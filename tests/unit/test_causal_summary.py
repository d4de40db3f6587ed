"""What a causal run reports: the ATE table, the metrics, the gold rows; built from hand-made estimates."""

import numpy as np

from tasks.causal_effects.estimate import Estimates, LearnerResult, effects_frame
from tasks.causal_effects.evaluate import Interval
from tasks.causal_effects.learners import SLearner, TLearner
from tasks.causal_effects.train import effect_metrics, summary_rows, summary_table


def estimates(truth: bool = True) -> Estimates:
    s = LearnerResult("s", SLearner(), np.array([1.0, 2.0]), Interval(1.5, 0.1, 1.3, 1.7, 0.95), 0.9, 0.01)
    t = LearnerResult("t", TLearner(), np.array([0.0, 4.0]), Interval(2.0, 0.2, 1.6, 2.4, 0.95, 0.1), 1.1, 0.02)
    if truth:
        s.pehe, s.ate_error, t.pehe, t.ate_error = 0.5, 0.5, 1.5, 0.0
    naive = Interval(5.0, 0.3, 4.4, 5.6, 0.95)
    return Estimates({"s": s, "t": t}, naive, 2.0 if truth else None, "pehe" if truth else "r_loss", "s")


def test_the_table_puts_the_naive_difference_first_and_says_who_covers_the_truth():
    table = summary_table(estimates())
    assert table["estimator"].tolist() == ["naive", "s", "t"]
    assert table["covers_truth"].tolist() == [False, False, True] and table["ate_error"].tolist() == [3.0, 0.5, 0.0]
    rows = summary_rows(estimates())
    assert rows[0]["pehe"] is None and rows[1]["chosen"] is True and rows[2]["bias"] == 0.1


def test_metrics_per_estimator_and_the_champion_metric_of_the_criterion():
    with_truth = effect_metrics(estimates())
    assert with_truth["ate_naive_lower"] == 4.4 and with_truth["pehe_t"] == 1.5 and with_truth["true_ate"] == 2.0
    assert with_truth["selected_pehe"] == 0.5 and "selected_r_loss" not in with_truth
    without = effect_metrics(estimates(truth=False))
    assert without["selected_r_loss"] == 0.9 and not any(k.startswith(("pehe", "ate_error", "true")) for k in without)


def test_gold_has_one_row_per_unit_and_learner():
    gold = effects_frame(estimates(), np.array([2, 3]), np.array([1.0, 3.0]))
    assert list(gold.columns) == ["unit_id", "learner", "cate", "true_effect"]
    assert gold[["unit_id", "learner"]].values.tolist() == [[2, "s"], [3, "s"], [2, "t"], [3, "t"]]
    assert effects_frame(estimates(False), np.array([2, 3]), None)["true_effect"].isna().all()
