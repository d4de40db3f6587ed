"""smelter.registry on a real MLflow SQLite store in tmp_path, with tiny DummyRegressor models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mlflow.types import ColSpec, Schema, TensorSpec

from smelter.registry import (
    CHAMPION,
    InputColumns,
    ModelRef,
    ResolvedVersion,
    champion_uri,
    input_columns,
    register_and_promote,
    resolve,
)
from smelter.tracking import configure_mlflow, experiment_id

ROWS = pd.DataFrame({"x": [1.0, 2.0, 3.0], "bonus": [0.0, 1.0, 0.0]})
SIGNATURE_INPUTS = Schema([ColSpec("double", "x"), ColSpec("double", "bonus", required=False)])


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """One SQLite store for this module (creating one takes ~1.5 s); each test registers its own model."""
    from smelter.settings import load_settings

    root = tmp_path_factory.mktemp("registry")
    return load_settings(data_root=root / "data", mlruns_root=root / "mlruns")


@pytest.fixture()
def registry(store):
    """MLflow pointed at the module's store; returns the experiment id."""
    configure_mlflow(store)
    return experiment_id(store, "registry-test")


@pytest.fixture()
def name(request) -> str:
    """A registered-model name of this test's own."""
    return "tiny-" + request.node.name.replace("_", "-").replace("[", "-").rstrip("]")


def log_run(experiment: str, rmse: float) -> tuple[str, str]:
    """One run with a logged DummyRegressor and its ``rmse``; returns (model_uri, run_id)."""
    import mlflow
    from mlflow.models import ModelSignature
    from sklearn.dummy import DummyRegressor

    model = DummyRegressor(strategy="constant", constant=rmse).fit(ROWS[["x"]], [0.0, 0.0, 0.0])
    signature = ModelSignature(inputs=SIGNATURE_INPUTS, outputs=Schema([ColSpec("double")]))
    with mlflow.start_run(experiment_id=experiment) as run:
        info = mlflow.sklearn.log_model(model, name="model", signature=signature, pip_requirements=[])
        mlflow.log_metric("rmse", rmse)
    return info.model_uri, run.info.run_id


def promote(name: str, model_uri: str, run_id: str | None, rmse: float):
    return register_and_promote(model_uri, name, "rmse", rmse, higher_is_better=False, run_id=run_id)


def versions(name: str) -> list[str]:
    from mlflow import MlflowClient

    return sorted(str(mv.version) for mv in MlflowClient().search_model_versions(f"name='{name}'"))


def champion_version(name: str) -> str:
    from mlflow import MlflowClient

    return str(MlflowClient().get_model_version_by_alias(name, CHAMPION).version)


def history(run_id: str, key: str) -> list[float]:
    from mlflow import MlflowClient

    return [m.value for m in MlflowClient().get_metric_history(run_id, key)]


def test_resolve_alias_and_version(registry, name):
    model_uri, run_id = log_run(registry, 2.0)
    assert promote(name, model_uri, run_id, 2.0).promoted
    found = resolve(champion_uri(name))
    assert found == ResolvedVersion(name, "1", run_id, model_uri)
    assert found.uri == f"models:/{name}/1"
    assert resolve(ModelRef(name, version="1")) == found
    with pytest.raises(Exception, match="challenger"):
        resolve(f"models:/{name}@challenger")


def test_registering_the_same_run_twice_gives_one_version(registry, name):
    model_uri, run_id = log_run(registry, 2.0)
    first = promote(name, model_uri, run_id, 2.0)
    again = promote(name, model_uri, run_id, 2.0)
    assert again == first and first.version == "1" and first.promoted
    assert versions(name) == ["1"] and champion_version(name) == "1"
    assert history(run_id, "promoted") == [1.0]  # the decision is logged to the run once


def test_without_run_id_the_source_identifies_the_version(registry, name):
    model_uri, run_id = log_run(registry, 2.0)
    promote(name, model_uri, None, 2.0)
    promote(name, model_uri, None, 2.0)
    promote(name, f"runs:/{run_id}/model", None, 2.0)  # a runs:/ URI names its run
    assert versions(name) == ["1"]


def test_champion_moves_only_on_a_better_score(registry, name):
    first = promote(name, *log_run(registry, 2.0), 2.0)
    worse = promote(name, *log_run(registry, 3.0), 3.0)
    better = promote(name, *log_run(registry, 1.0), 1.0)
    assert (first.version, first.promoted, first.champion_version) == ("1", True, None)
    assert (worse.version, worse.promoted, worse.champion_version, worse.champion_score) == ("2", False, "1", 2.0)
    assert worse.reason == "rmse 3 does not beat champion v1's 2"
    assert (better.version, better.promoted, better.champion_version) == ("3", True, "1")
    assert better.reason == "rmse 1 < champion v1's 2"
    assert champion_version(name) == "3" and versions(name) == ["1", "2", "3"]


def test_higher_is_better_and_a_tie_keeps_the_champion(registry, name):
    def promote_higher(score: float):
        uri, run = log_run(registry, score)
        return register_and_promote(uri, name, "rmse", score, higher_is_better=True, run_id=run)

    assert promote_higher(0.5).promoted
    tie, higher = promote_higher(0.5), promote_higher(0.9)
    assert not tie.promoted and higher.promoted and higher.reason == "rmse 0.9 > champion v1's 0.5"
    assert champion_version(name) == "3"


def test_a_retry_after_the_alias_was_set_is_a_no_op(registry, name):
    from mlflow import MlflowClient

    promote(name, *log_run(registry, 2.0), 2.0)
    uri, run = log_run(registry, 1.0)
    done = promote(name, uri, run, 1.0)
    tags = MlflowClient().get_model_version(name, "2").tags
    retried = promote(name, uri, run, 1.0)
    assert retried == done and (done.promoted, done.champion_version) == (True, "1")
    assert versions(name) == ["1", "2"] and champion_version(name) == "2"
    assert MlflowClient().get_model_version(name, "2").tags == tags
    assert history(run, "promoted") == [1.0] and history(run, "champion_rmse") == [2.0]


def test_a_retry_after_a_crash_before_the_alias_moved_finishes_the_move(registry, name, monkeypatch):
    from mlflow import MlflowClient

    promote(name, *log_run(registry, 2.0), 2.0)
    uri, run = log_run(registry, 1.0)

    def crash(*args, **kwargs):
        raise ConnectionError("registry went away")

    with monkeypatch.context() as patch:
        patch.setattr(MlflowClient, "set_registered_model_alias", crash)
        with pytest.raises(ConnectionError):
            promote(name, uri, run, 1.0)
    assert versions(name) == ["1", "2"] and champion_version(name) == "1"
    retried = promote(name, uri, run, 1.0)
    assert (retried.version, retried.promoted, retried.champion_version) == ("2", True, "1")
    assert versions(name) == ["1", "2"] and champion_version(name) == "2"


def test_a_version_registered_by_hand_is_reused_and_judged(registry, name):
    import mlflow

    promote(name, *log_run(registry, 2.0), 2.0)
    uri, run = log_run(registry, 1.0)
    mlflow.register_model(uri, name)  # a crash right after registering: no decision yet
    decision = promote(name, uri, run, 1.0)
    assert (decision.version, decision.promoted) == ("2", True)
    assert versions(name) == ["1", "2"] and champion_version(name) == "2"


def test_a_decision_against_a_replaced_champion_is_taken_again(registry, name):
    promote(name, *log_run(registry, 2.0), 2.0)
    uri, run = log_run(registry, 1.5)
    assert promote(name, uri, run, 1.5).champion_version == "1"
    promote(name, *log_run(registry, 1.0), 1.0)  # v3 takes @champion
    again = promote(name, uri, run, 1.5)
    assert (again.version, again.promoted, again.champion_version) == ("2", False, "3")
    assert champion_version(name) == "3"


def test_input_columns_from_a_loaded_model_and_from_schemas(registry):
    import mlflow.pyfunc

    uri, _ = log_run(registry, 2.0)
    loaded = input_columns(mlflow.pyfunc.load_model(uri))
    assert loaded == InputColumns(["x"], ["bonus"], {"x": ("double", True), "bonus": ("double", False)})
    assert input_columns(SIGNATURE_INPUTS) == loaded
    assert input_columns(None) == InputColumns([], [], None)
    assert input_columns(Schema([ColSpec("long")])) == InputColumns([], [], None)  # unnamed: unchecked
    tensor = input_columns(Schema([TensorSpec(np.dtype("float64"), (-1, 2), "pixels")]))
    assert tensor == InputColumns(["pixels"], [], None)
