"""Drift statistics: a batch from the training distribution is quiet, a shifted one is flagged, a column the
training data never had is an error naming it; profiles survive a JSON round trip."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tasks.monitoring.baseline import TrainingProfile, training_profile
from tasks.monitoring.drift import UnknownColumnError, drift_report, psi
from tasks.monitoring.report import statistic_rows


def frame(n: int, seed: int, shift: float = 0.0, states=("Ohio", "Texas", "Utah"), p=(0.5, 0.3, 0.2)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "state": rng.choice(states, n, p=p),
            "population": rng.lognormal(15 + shift, 0.3, n),
            "month": rng.integers(1, 13, n),
            "units_sold": rng.poisson(20, n),
        }
    )


@pytest.fixture(scope="module")
def profile() -> TrainingProfile:
    train = frame(3_000, 1)
    return training_profile(train, ["state", "population", "month"], ["state"], "demand-forecast", "3", "gold@v1")


def test_same_distribution_batch_is_not_flagged(profile):
    report = drift_report(profile, frame(500, 2))
    assert not report.drifted, [f.reasons for f in report.features]
    population = next(f for f in report.features if f.name == "population")
    assert population.ks is not None and population.ks < 0.1
    assert population.loglik_drop is not None and abs(population.loglik_drop) < 0.2
    assert report.metrics()["drifted"] == 0.0


def test_shifted_numeric_feature_is_flagged_by_ks_and_likelihood(profile):
    report = drift_report(profile, frame(500, 3, shift=2.0))
    assert report.drifted and report.flagged == ["population"]
    population = next(f for f in report.features if f.name == "population")
    assert population.ks > 0.9 and population.ks_p < 1e-6
    assert population.loglik_drop > 1.0
    assert report.metrics()["population.ks"] == pytest.approx(population.ks)


def test_statistic_rows_say_which_statistic_flags_against_which_threshold(profile):
    rows = statistic_rows(drift_report(profile, frame(500, 3, shift=2.0)))
    by = {(r["feature"], r["statistic"]): r for r in rows}
    assert set(by) == {
        ("state", "PSI"),
        ("population", "KS"),
        ("population", "log-likelihood drop (nats/row)"),
        ("month", "KS"),
        ("month", "log-likelihood drop (nats/row)"),
    }
    assert by["population", "KS"]["flagged"] == "yes" and by["population", "KS"]["threshold"] == "> 0.1 with p < 0.01"
    assert by["population", "log-likelihood drop (nats/row)"]["flagged"] == "yes"
    assert by["state", "PSI"]["flagged"] == "no" and by["state", "PSI"]["threshold"] == "> 0.2"
    assert by["month", "KS"]["flagged"] == "no" and by["month", "KS"]["value"] < 0.1


def test_changed_category_mix_is_flagged_by_psi(profile):
    report = drift_report(profile, frame(500, 4, p=(0.1, 0.1, 0.8)))
    state = next(f for f in report.features if f.name == "state")
    assert state.flagged and state.psi > 0.2
    assert psi({"a": 0.5, "b": 0.5}, {"a": 0.5, "b": 0.5}) == 0.0


def test_unseen_category_counts_in_its_share(profile):
    batch = frame(100, 5).assign(state="Alaska")
    state = next(f for f in drift_report(profile, batch).features if f.name == "state")
    assert state.unseen_share == 1.0 and state.flagged


def test_a_column_training_never_had_is_an_error_naming_it(profile):
    with pytest.raises(UnknownColumnError, match=r"\['promo'\].*never appeared in the training data"):
        drift_report(profile, frame(10, 6).assign(promo=1), source="batch.parquet")


def test_feature_absent_from_batch_is_reported_not_flagged(profile):
    report = drift_report(profile, frame(200, 7).drop(columns="population"))
    assert report.absent == ["population"] and not report.drifted


def test_non_numeric_value_in_a_numeric_feature_names_column_and_row(profile):
    batch = frame(5, 8).astype({"month": object})
    batch.loc[3, "month"] = "March"
    with pytest.raises(ValueError, match=r"column 'month' row 3: 'March'"):
        drift_report(profile, batch)


def test_profile_round_trips_through_json(profile):
    back = TrainingProfile.from_dict(json.loads(json.dumps(profile.to_dict())))
    assert back == profile
    assert back.features["population"].fitted().family in ("lognormal", "gamma", "normal")


def test_constant_feature_is_profiled_without_a_fit():
    train = frame(100, 9).assign(month=5)
    p = training_profile(train, ["month"], [], "m", "1", "t")
    assert p.features["month"].fit is None and "constant" in p.features["month"].note
    assert not drift_report(p, frame(50, 10).assign(month=5)).drifted


def test_markdown_report_names_the_verdict_thresholds_and_flagged_features(profile):
    from tasks.monitoring.report import drift_markdown

    text = drift_markdown(drift_report(profile, frame(300, 11, shift=2.0)), "batch.parquet", "run-1")
    assert "**DRIFT** in population" in text and "KS > 0.1 with p < 0.01" in text and "run-1" in text
    assert "| population | positive |" in text and "yes: KS" in text
