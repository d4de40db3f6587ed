"""Forecast metrics and the seasonal-naive baseline (same day last year)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.demand_forecast.schema import KEYS, TARGET


def regression_metrics(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """RMSE, MAE and MAPE (in %, over rows whose actual is not zero)."""
    actual, predicted = np.asarray(actual, float), np.asarray(predicted, float)
    err = predicted - actual
    nonzero = actual != 0
    return {
        "rmse": float(np.sqrt(np.mean(err**2))),
        "mae": float(np.mean(np.abs(err))),
        "mape": float(np.mean(np.abs(err[nonzero] / actual[nonzero])) * 100) if nonzero.any() else float("nan"),
    }


def seasonal_naive(history: pd.DataFrame, target_rows: pd.DataFrame) -> pd.Series:
    """Predict each target row with the same state's units on the same date one year earlier.

    Feb 29 maps to Feb 28 of the previous year. Rows with no history stay NaN.
    """
    last_year = pd.to_datetime(target_rows["date"]) - pd.DateOffset(years=1)
    lookup = history.assign(date=pd.to_datetime(history["date"])).set_index(KEYS)[TARGET]
    index = pd.MultiIndex.from_arrays([last_year, target_rows["state"]], names=KEYS)
    return pd.Series(lookup.reindex(index).to_numpy(), index=target_rows.index, name="seasonal_naive")


def evaluate(test: pd.DataFrame, predicted: np.ndarray, history: pd.DataFrame) -> dict[str, float]:
    """Test metrics for the model (``test_*``) and the seasonal-naive baseline (``baseline_*``).

    Both are computed on the rows where the baseline exists, so they compare alike.
    """
    naive = seasonal_naive(history, test)
    have = naive.notna().to_numpy()
    if not have.any():
        raise ValueError("no test row has a value one year earlier: the baseline needs a year of history")
    model = regression_metrics(test[TARGET].to_numpy()[have], np.asarray(predicted)[have])
    base = regression_metrics(test[TARGET].to_numpy()[have], naive.to_numpy()[have])
    out = {f"test_{k}": v for k, v in model.items()} | {f"baseline_{k}": v for k, v in base.items()}
    out["test_rows"] = float(have.sum())
    return out
