"""Batch scoring against tiny real models registered in this module's own temporary MLflow store."""

import sys

import numpy as np
import pandas as pd
import pytest
from mlflow.pyfunc import PythonModel

from smelter.catalog import GOLD_DEMAND_FEATURES, GOLD_DEMAND_PREDICTIONS, GOLD_HEART_PREDICTIONS
from smelter.lake import Lake
from smelter.registry import input_columns
from smelter.scoring import MissingColumnsError, load_model, score_pandas
from smelter.tracking import configure_mlflow, experiment_id
from tasks.common.score import published_summary, score_to_gold
from tasks.demand_forecast.schema import CALENDAR
from tests import scoring_models
from tests.scoring_models import tiny_features

# The fixtures of this module's own MLflow store (tiny models @champion) and each test's own lake: pytest
# finds a fixture by a module-level name (assigned, not imported: ruff would drop an "unused" import).
store = scoring_models.store
settings = scoring_models.settings

KEYS = ["date", "state"]
OUT = [*KEYS, "prediction", "population_year", "unknown_category", "model_name", "model_version"]


@pytest.fixture()
def forecaster(settings):
    return load_model("models:/demand-forecast@champion")


@pytest.fixture()
def rows():
    """Held-out-like rows, shuffled so order matters, with an extra column the model does not use."""
    return tiny_features().sample(frac=1.0, random_state=1).reset_index(drop=True)


def test_alias_resolves_to_name_and_version(forecaster):
    assert (forecaster.name, forecaster.version) == ("demand-forecast", "1")
    assert forecaster.uri == "models:/demand-forecast/1"
    assert forecaster.input_columns == ["state"]  # what a caller must send; the rest is optional
    assert forecaster.optional_columns == ["date", "population", *CALENDAR]


def test_order_and_keys_preserved_across_mini_batches(store, forecaster, rows):
    out = score_pandas(forecaster, rows, KEYS, mini_batch_size=7)
    assert list(out.columns) == OUT
    pd.testing.assert_frame_equal(out[KEYS], rows[KEYS])
    np.testing.assert_allclose(out["prediction"], store[1].score(rows)["prediction"])
    assert set(out["model_version"]) == {"1"} and set(out["model_name"]) == {"demand-forecast"}


def test_concurrency_gives_identical_results(forecaster, rows):
    one = score_pandas(forecaster, rows, KEYS, mini_batch_size=5, max_concurrency=1)
    three = score_pandas(forecaster, rows, KEYS, mini_batch_size=5, max_concurrency=3)
    pd.testing.assert_frame_equal(one, three)


def test_the_registered_forecaster_scores_as_mlflow_does_without_checking_each_value(forecaster, rows, monkeypatch):
    import mlflow.models.utils

    inputs = rows[forecaster.columns_in(rows.columns)]
    expected = forecaster.pyfunc.predict(inputs)  # MLflow's own signature enforcement, value by value

    def visited(*args, **kwargs):
        raise AssertionError("a value was enforced one by one")

    monkeypatch.setattr(mlflow.models.utils, "_enforce_type", visited)
    out = score_pandas(forecaster, rows, KEYS, mini_batch_size=7)
    pd.testing.assert_frame_equal(out[expected.columns.tolist()], expected)


def test_categorical_state_from_parquet_scores_like_plain_strings(forecaster, rows):
    as_category = rows.assign(state=rows["state"].astype("category"))
    pd.testing.assert_frame_equal(
        score_pandas(forecaster, as_category, ["date"]), score_pandas(forecaster, rows, ["date"])
    )


def test_dataframe_returning_pyfunc_gives_its_columns(settings):
    model = load_model("models:/interval-model@champion")
    df = pd.DataFrame({"id": [3, 1, 2], "x": [0.2, 0.7, 0.5], "unused": ["a", "b", "c"]})
    out = score_pandas(model, df, ["id"], mini_batch_size=2, max_concurrency=2)
    assert list(out.columns) == ["id", "probability", "low", "high", "label", "model_name", "model_version"]
    assert out["id"].tolist() == [3, 1, 2] and out["label"].tolist() == [0, 1, 1]
    np.testing.assert_allclose(out["probability"], [0.2, 0.7, 0.5])


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_score_to_gold_from_user_file(store, settings, rows, tmp_path, suffix):
    path = tmp_path / f"input{suffix}"
    rows.to_csv(path, index=False) if suffix == ".csv" else rows.to_parquet(path, index=False)
    pub = score_to_gold(
        settings,
        "models:/demand-forecast@champion",
        GOLD_DEMAND_PREDICTIONS,
        KEYS,
        path,
        mini_batch_size=4,
        max_concurrency=2,
        engine="pandas",
    )
    lake = Lake.of(settings)
    from_parquet = lake.read_pandas(GOLD_DEMAND_PREDICTIONS, pub.version)
    from_csv = pd.read_csv(lake.format_path(GOLD_DEMAND_PREDICTIONS, "csv", pub.version))
    assert pub.rows == len(rows) == len(from_csv)
    assert list(from_parquet.columns) == list(from_csv.columns) == OUT
    assert from_csv["state"].tolist() == rows["state"].tolist()
    np.testing.assert_allclose(from_parquet["prediction"], store[1].score(rows)["prediction"])
    meta = lake.manifest(GOLD_DEMAND_PREDICTIONS, pub.version)["metadata"]
    assert (meta["model_version"], meta["source"], meta["engine"]) == ("1", str(path), "pandas")
    assert (meta["mini_batch_size"], meta["max_concurrency"]) == (4, 2)


def test_missing_feature_column_fails_before_scoring_and_publishes_nothing(settings, rows, tmp_path):
    path = tmp_path / "no_state.csv"
    rows.drop(columns="state").to_csv(path, index=False)
    with pytest.raises(MissingColumnsError, match=r"no_state\.csv lacks column\(s\) \['state'"):
        score_to_gold(settings, "models:/demand-forecast@champion", GOLD_HEART_PREDICTIONS, KEYS, path)
    assert Lake.of(settings).list_versions(GOLD_HEART_PREDICTIONS) == []


def test_default_input_is_the_held_out_rows_of_gold(settings):
    gold = tiny_features()
    lake = Lake.of(settings)
    lake.publish_pandas(GOLD_DEMAND_FEATURES, gold)
    summary = published_summary(
        settings,
        score_to_gold(settings, "models:/demand-forecast@champion", GOLD_DEMAND_PREDICTIONS, KEYS, engine="pandas"),
    )
    out = lake.read_pandas(GOLD_DEMAND_PREDICTIONS, summary.version)
    test = gold[gold["split"] == "test"]
    assert len(out) == len(test) == summary.rows == 15
    assert out["date"].tolist() == test["date"].tolist()
    meta = lake.manifest(GOLD_DEMAND_PREDICTIONS, summary.version)["metadata"]
    assert (meta["mini_batch_size"], meta["max_concurrency"]) == (100_000, 2)  # settings.scoring's


class ShiftedModel(PythonModel):
    """prediction = scale * x + shift; ``shift`` an optional input column, ``scale`` a predict param."""

    def predict(self, context, model_input, params=None):
        shift = model_input.get("shift", 0.0)
        return (params or {}).get("scale", 1.0) * model_input["x"] + shift


@pytest.fixture(scope="module")
def shifted(store):
    """ShiftedModel registered @champion with signature x (required), shift (optional), param scale."""
    import cloudpickle
    import mlflow
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema

    configure_mlflow(store[0])
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    signature = ModelSignature(
        inputs=Schema([ColSpec("double", "x"), ColSpec("double", "shift", required=False)]),
        outputs=Schema([ColSpec("double")]),
        params=ParamSchema([ParamSpec("scale", "double", 1.0)]),
    )
    with mlflow.start_run(experiment_id=experiment_id(store[0], "scoring-test")):
        info = mlflow.pyfunc.log_model(
            name="model", python_model=ShiftedModel(), signature=signature, pip_requirements=["pandas"]
        )
    mv = mlflow.register_model(info.model_uri, "shifted-model")
    mlflow.MlflowClient().set_registered_model_alias("shifted-model", "champion", mv.version)
    return load_model("models:/shifted-model@champion")


def test_optional_signature_columns_reach_the_model_when_present(shifted):
    assert shifted.input_columns == ["x"] and shifted.optional_columns == ["shift"]
    assert input_columns(shifted.pyfunc).optional == ["shift"]
    with_shift = pd.DataFrame({"id": [1, 2], "x": [1.0, 2.0], "shift": [10.0, 20.0], "unused": ["a", "b"]})
    assert score_pandas(shifted, with_shift, ["id"])["prediction"].tolist() == [11.0, 22.0]
    without = with_shift.drop(columns="shift")
    assert score_pandas(shifted, without, ["id"])["prediction"].tolist() == [1.0, 2.0]


def test_params_pass_through_to_predict(settings, shifted, tmp_path):
    df = pd.DataFrame({"id": [1, 2, 3], "x": [1.0, 2.0, 3.0]})
    out = score_pandas(shifted, df, ["id"], mini_batch_size=2, params={"scale": 3.0})
    assert out["prediction"].tolist() == [3.0, 6.0, 9.0]
    assert score_pandas(shifted, df, ["id"])["prediction"].tolist() == [1.0, 2.0, 3.0]  # the default
    path = tmp_path / "rows.csv"
    df.to_csv(path, index=False)
    pub = score_to_gold(
        settings,
        "models:/shifted-model@champion",
        GOLD_HEART_PREDICTIONS,
        ["id"],
        path,
        engine="pandas",
        params={"scale": -1.0},
    )
    lake = Lake.of(settings)
    assert lake.read_pandas(GOLD_HEART_PREDICTIONS, pub.version)["prediction"].tolist() == [-1.0, -2.0, -3.0]
    meta = lake.manifest(GOLD_HEART_PREDICTIONS, pub.version)["metadata"]
    assert meta["params"] == {"scale": -1.0}
