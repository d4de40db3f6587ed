"""The registered heart model: pyfunc round trip through a real (temporary) MLflow registry."""

import shutil

import numpy as np
import pandas as pd
import pytest

from tasks.heart_risk.preprocess import UnknownCategoryError
from tasks.heart_risk.refine import refine_patients
from tasks.heart_risk.schema import FEATURES
from tests.unit.test_heart_preprocess import RAW
from tests.unit.test_heart_pyfunc import tiny_heart_model


def test_pyfunc_round_trip_through_the_registry(settings):
    import mlflow

    from smelter.registry import register_and_promote
    from smelter.scoring import load_model, score_pandas
    from smelter.tracking import experiment_id
    from tasks.heart_risk.evaluate import log_heart_model

    model = tiny_heart_model()
    silver = refine_patients(pd.DataFrame(RAW))
    example = silver[list(FEATURES)].head(3)
    with mlflow.start_run(experiment_id=experiment_id(settings, "heart-test")) as run:
        mlflow.log_metric("test_roc_auc", 0.9)
        info = log_heart_model(model, example)
    decision = register_and_promote(info.model_uri, "heart-risk", "test_roc_auc", 0.9, True, run.info.run_id)
    assert decision.promoted
    loaded = load_model("models:/heart-risk@champion")
    assert loaded.input_columns == list(FEATURES)
    # a raw patient file: integer columns, a 0 cholesterol, an id column the model does not take
    patients = (
        pd.DataFrame(RAW)
        .drop(columns="HeartDisease")
        .astype(dict.fromkeys(["Age", "RestingBP", "Cholesterol", "FastingBS", "MaxHR", "Oldpeak"], float))
    )
    patients = patients.astype({"Age": "int64", "MaxHR": "int64"}).assign(patient_id=range(100, 106))
    patients.loc[2, "RestingBP"] = np.nan
    scored = score_pandas(loaded, patients, ["patient_id"], mini_batch_size=4)
    expected = model.score(patients)
    assert list(scored.columns) == [
        "patient_id",
        "probability",
        "lower",
        "upper",
        "label",
        "unknown_category",
        "model_name",
        "model_version",
    ]
    np.testing.assert_allclose(scored["probability"], expected["probability"])
    np.testing.assert_allclose(scored["upper"], expected["upper"])
    with pytest.raises(UnknownCategoryError, match="ST_Slope"):
        loaded.pyfunc.predict(patients.assign(ST_Slope="Sideways")[list(FEATURES)])
    marginal = loaded.pyfunc.predict(
        patients.assign(ST_Slope="Sideways")[list(FEATURES)], params={"unknown": "marginal"}
    )
    assert marginal["probability"].between(0, 1).all() and marginal["unknown_category"].all()
    flagged = loaded.pyfunc.predict(patients.assign(ST_Slope="Sideways")[list(FEATURES)], params={"unknown": "flag"})
    pd.testing.assert_frame_equal(flagged, marginal)


def test_the_registered_heart_model_loads_and_scores_without_the_project(settings, tmp_path):
    import mlflow

    from smelter.tracking import experiment_id
    from tasks.heart_risk.evaluate import log_heart_model
    from tests.model.test_demand_model import run_elsewhere

    model = tiny_heart_model()
    patients = pd.DataFrame(RAW).drop(columns="HeartDisease")[list(FEATURES)]
    with mlflow.start_run(experiment_id=experiment_id(settings, "heart-test")):
        info = log_heart_model(model, patients.head(3))
    moved = shutil.copytree(
        mlflow.artifacts.download_artifacts(info.model_uri, dst_path=str(tmp_path / "dl")),
        tmp_path / "elsewhere" / "model",
    )
    done, scored = run_elsewhere(moved, patients, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    np.testing.assert_allclose(scored["probability"], model.score(patients)["probability"])
    done, flagged = run_elsewhere(moved, patients.assign(Sex="X"), tmp_path, '{"unknown": "flag"}')
    assert done.returncode == 0 and flagged["unknown_category"].all(), done.stderr[-2000:]
