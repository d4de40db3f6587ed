"""The demand forecaster trained for real (LightGBM) and tracked in a temporary MLflow store."""

import numpy as np

from tasks.demand_forecast.model import ForecasterParams, fit_forecaster, predict
from tasks.demand_forecast.train import split_frames
from tests.unit.test_forecast_model import tiny_gold


def test_model_handles_unseen_state_and_is_deterministic():
    gold = tiny_gold()
    train, test = split_frames(gold)
    a = predict(fit_forecaster(train, ForecasterParams(num_iterations=20, seed=3)), test)
    b = predict(fit_forecaster(train, ForecasterParams(num_iterations=20, seed=3)), test)
    np.testing.assert_array_equal(a, b)
    odd = test.head(2).assign(state="Atlantis")
    assert np.isfinite(predict(fit_forecaster(train, ForecasterParams(num_iterations=20)), odd)).all()
