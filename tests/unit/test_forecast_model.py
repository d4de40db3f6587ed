import datetime as dt

import numpy as np
import pandas as pd
import pytest

from tasks.demand_forecast.evaluate import evaluate, regression_metrics, seasonal_naive
from tasks.demand_forecast.schema import GOLD_COLUMNS
from tasks.demand_forecast.train import split_frames


def tiny_gold(seed: int = 0, states=("Ohio", "Texas"), start="2021-01-01", end="2022-02-28") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, end, freq="D")
    rows = []
    for i, state in enumerate(states):
        pop = 1_000_000 * (i + 1)
        season = 1 + 0.5 * np.sin(2 * np.pi * dates.dayofyear / 365)
        units = rng.poisson(100 * (i + 1) * season)
        rows.append(
            pd.DataFrame(
                {
                    "date": dates.date,
                    "state": state,
                    "year": dates.year,
                    "month": dates.month,
                    "day_of_year": dates.dayofyear,
                    "day_of_week": dates.dayofweek,
                    "week_of_year": dates.isocalendar().week.to_numpy().astype(int),
                    "is_weekend": (dates.dayofweek >= 5).astype(int),
                    "is_holiday": 0,
                    "population": pop,
                    "units_sold": units,
                    "store_count": 1,
                    "split": np.where(dates >= "2022-01-01", "test", "train"),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)[GOLD_COLUMNS]


def test_regression_metrics_known_values():
    m = regression_metrics(np.array([1.0, 2.0, 0.0]), np.array([2.0, 2.0, 1.0]))
    assert m["mae"] == pytest.approx(2 / 3)
    assert m["rmse"] == pytest.approx(np.sqrt(2 / 3))
    assert m["mape"] == pytest.approx(50.0)  # zero actuals excluded


def test_seasonal_naive_takes_same_day_last_year_per_state():
    history = pd.DataFrame(
        {"date": [dt.date(2021, 3, 1), dt.date(2021, 3, 1)], "state": ["Ohio", "Texas"], "units_sold": [5, 9]}
    )
    target = pd.DataFrame(
        {"date": [dt.date(2022, 3, 1), dt.date(2022, 3, 1), dt.date(2022, 3, 2)], "state": ["Texas", "Ohio", "Ohio"]}
    )
    got = seasonal_naive(history, target)
    assert got.iloc[:2].tolist() == [9, 5] and np.isnan(got.iloc[2])


def test_evaluate_without_history_is_a_clear_error():
    test = tiny_gold().query("split == 'test'")
    with pytest.raises(ValueError, match="a year of history"):
        evaluate(test, np.zeros(len(test)), history=test.iloc[:0])


def test_split_frames_needs_both_parts():
    with pytest.raises(ValueError, match="0 test"):
        split_frames(tiny_gold().query("split == 'train'"))
