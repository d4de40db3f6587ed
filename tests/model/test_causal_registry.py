"""The registered causal model: pyfunc round trip through a real (temporary) MLflow registry, and loading where
the project cannot be imported."""

import shutil

import numpy as np
import pandas as pd
import pytest

from tasks.causal_effects.model import InputError
from tests.unit.test_causal_pyfunc import tiny_causal_model

ROWS = pd.DataFrame({"a": [1, -2, 0], "b": [0.0, 5.0, 1.0], "unit_id": [7, 8, 9]})


def _logged(settings, model):
    import mlflow

    from smelter.tracking import experiment_id
    from tasks.causal_effects.train import log_effect_model

    with mlflow.start_run(experiment_id=experiment_id(settings, "causal-test")) as run:
        mlflow.log_metric("selected_r_loss", 1.0)
        info = log_effect_model(model, ROWS[["a", "b"]].head(2))
    return info, run.info.run_id


def test_pyfunc_round_trip_through_the_registry(settings):
    import mlflow

    from smelter.registry import register_and_promote
    from smelter.scoring import load_model, score_pandas

    model = tiny_causal_model()
    info, run_id = _logged(settings, model)
    assert register_and_promote(info.model_uri, "causal-effects", "selected_r_loss", 1.0, False, run_id).promoted
    loaded = load_model("models:/causal-effects@champion")
    assert loaded.input_columns == ["a", "b"]
    scored = score_pandas(loaded, ROWS, ["unit_id"], mini_batch_size=2)
    assert scored["unit_id"].tolist() == [7, 8, 9]
    np.testing.assert_allclose(scored["cate"], model.score(ROWS)["cate"])
    with pytest.raises(InputError, match="column 'b' row 1"):
        mlflow.pyfunc.load_model(info.model_uri).predict(ROWS.assign(b=[0, "wide", 1]))


def test_the_registered_causal_model_loads_and_scores_without_the_project(settings, tmp_path):
    import mlflow

    from tests.model.test_demand_model import run_elsewhere

    model = tiny_causal_model()
    info, _ = _logged(settings, model)
    moved = shutil.copytree(
        mlflow.artifacts.download_artifacts(info.model_uri, dst_path=str(tmp_path / "dl")),
        tmp_path / "elsewhere" / "model",
    )
    done, scored = run_elsewhere(moved, ROWS[["a", "b"]], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    np.testing.assert_allclose(scored["cate"], model.score(ROWS)["cate"])
