"""The demand forecaster trained for real (LightGBM) and tracked in a temporary MLflow store."""
import numpy as np

from smelter import lake
from smelter.tracking import configure_mlflow
from tasks.demand_forecast.model import ForecasterParams, fit_forecaster, predict
from tasks.demand_forecast.train import split_frames, train_and_track
from tests.unit.test_forecast_model import tiny_gold


def test_model_handles_unseen_state_and_is_deterministic():
    gold = tiny_gold()
    train, test = split_frames(gold)
    a = predict(fit_forecaster(train, ForecasterParams(num_iterations=20, seed=3)), test)
    b = predict(fit_forecaster(train, ForecasterParams(num_iterations=20, seed=3)), test)
    np.testing.assert_array_equal(a, b)
    odd = test.head(2).assign(state="Atlantis")
    assert np.isfinite(predict(fit_forecaster(train, ForecasterParams(num_iterations=20)), odd)).all()


def test_train_and_track_registers_and_moves_champion_only_when_better(settings):
    import mlflow
    from mlflow import MlflowClient

    configure_mlflow(settings)
    lake.publish_pandas(tiny_gold(), settings.data_root, "gold", "demand_features")
    good = train_and_track(settings, ForecasterParams(num_iterations=60, seed=1), model_name="demand-test")
    assert good["promotion"]["promoted"] and good["promotion"]["version"] == "1"
    assert good["metrics"]["test_rmse"] < good["metrics"]["baseline_rmse"]
    worse = train_and_track(settings, ForecasterParams(num_iterations=1, learning_rate=0.01, seed=1),
                            model_name="demand-test")
    assert not worse["promotion"]["promoted"] and worse["promotion"]["champion_version"] == "1"
    client = MlflowClient()
    assert str(client.get_model_version_by_alias("demand-test", "champion").version) == "1"
    run = client.get_run(worse["run_id"])
    assert "does not beat" in run.data.tags["champion_decision"]
    assert {"test_rmse", "test_mae", "test_mape", "baseline_rmse", "baseline_mae", "baseline_mape"} <= set(run.data.metrics)
    assert run.inputs.dataset_inputs[0].dataset.digest
    artifacts = {a.path for a in client.list_artifacts(good["run_id"], "plots")}
    assert artifacts == {"plots/feature_importance.png", "plots/forecast_vs_actual.png"}
    model = mlflow.pyfunc.load_model("models:/demand-test@champion")
    test = tiny_gold().query("split == 'test'")
    assert model.predict(test[model.metadata.get_input_schema().input_names()]).shape == (len(test),)
