"""GET /monitoring: the endpoint's latest scored rows against the served version's training profile."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from smelter.settings import Settings
from tests.serving.serving_helpers import KEY, call, running_server

MODEL = "monitor-test"
FEATURES = ["day_of_year", "population", "is_holiday"]


def rows(n: int, seed: int, population_scale: float = 1.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "day_of_year": rng.integers(1, 366, n).astype("int64"),
            "population": rng.lognormal(15, 0.4, n) * population_scale,
            "is_holiday": rng.random(n) < 0.05,
        }
    )


def register_profiled(settings: Settings) -> None:
    """A tiny LightGBM regressor registered @champion, its training profile logged in its run."""
    import lightgbm as lgb
    import mlflow
    from mlflow import MlflowClient
    from mlflow.models import infer_signature

    from smelter.tracking import configure_mlflow, experiment_id, pip_requirements
    from tasks.monitoring.baseline import training_profile
    from tasks.monitoring.track import PROFILE_ARTIFACT

    configure_mlflow(settings)
    train = rows(1_000, 1)
    model = lgb.LGBMRegressor(n_estimators=5, verbose=-1, n_jobs=1, random_state=0).fit(train, train["day_of_year"])
    with mlflow.start_run(experiment_id=experiment_id(settings, "serving-test")):
        info = mlflow.lightgbm.log_model(
            model, name="model", signature=infer_signature(train, model.predict(train)),
            pip_requirements=pip_requirements("lightgbm"),
        )  # fmt: skip
        profile = training_profile(train, FEATURES, ["is_holiday"], MODEL, None, "tiny training rows")
        mlflow.log_dict(profile.to_dict(), PROFILE_ARTIFACT)
    version = mlflow.register_model(info.model_uri, MODEL).version
    MlflowClient().set_registered_model_alias(MODEL, "champion", version)


@pytest.fixture(scope="module")
def monitored(serving_settings: Settings, tmp_path_factory) -> Iterator[str]:
    register_profiled(serving_settings)
    log = tmp_path_factory.mktemp("monitoring-log") / "server.log"
    with running_server(
        serving_settings, log, api_key=KEY, max_rows="1000", monitor_rows="400", model_uri=f"models:/{MODEL}@champion"
    ) as url:
        yield url


def send(url: str, frame: pd.DataFrame) -> None:
    body = {"dataframe_split": {"columns": list(frame.columns), "data": frame.to_numpy(object).tolist()}}
    status, answer, _ = call(f"{url}/score", body)
    assert status == 200, answer


def test_monitoring_needs_the_key_and_says_when_nothing_was_scored(monitored):
    assert call(f"{monitored}/monitoring", key=None)[0] == 401
    status, answer, _ = call(f"{monitored}/monitoring")
    assert status == 200 and answer["window_rows"] == 0 and answer["drifted"] is None


def test_window_drifts_when_requests_shift(monitored):
    send(monitored, rows(400, 2))
    status, quiet, _ = call(f"{monitored}/monitoring")
    assert status == 200 and quiet["window_rows"] == 400 and quiet["drifted"] is False, quiet
    assert {f["name"] for f in quiet["features"]} == set(FEATURES) and quiet["baseline"] == "tiny training rows"

    for seed in (3, 4):  # 2 x 300 shifted rows push the 400-row window over to the new population
        send(monitored, rows(300, seed, population_scale=20.0))
    status, shifted, _ = call(f"{monitored}/monitoring")
    assert status == 200 and shifted["window_rows"] == 400 and shifted["drifted"] is True
    assert shifted["flagged"] == ["population"]
    population = next(f for f in shifted["features"] if f["name"] == "population")
    assert population["ks"] > 0.9 and population["loglik_drop"] > 1.0
