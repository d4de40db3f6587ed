"""The registered heart model: pyfunc round trip through a real (temporary) MLflow registry."""
import numpy as np
import pandas as pd
import pytest

from tasks.heart_risk.model import signature_for
from tasks.heart_risk.preprocess import UnknownCategoryError
from tasks.heart_risk.refine import refine_patients
from tasks.heart_risk.schema import FEATURES
from tests.unit.test_heart_preprocess import RAW
from tests.unit.test_heart_pyfunc import tiny_heart_model


def test_pyfunc_round_trip_through_the_registry(settings):
    import mlflow

    from smelter.scoring import load_model, score_pandas
    from smelter.registry import register_and_promote
    from smelter.tracking import experiment_id, pip_requirements

    model = tiny_heart_model()
    silver = refine_patients(pd.DataFrame(RAW))
    example = silver[list(FEATURES)].head(3)
    with mlflow.start_run(experiment_id=experiment_id(settings, "heart-test")) as run:
        mlflow.log_metric("test_roc_auc", 0.9)
        info = mlflow.pyfunc.log_model(name="model", python_model=model, signature=signature_for(example, model),
                                       input_example=example, pip_requirements=pip_requirements())
    decision = register_and_promote(info.model_uri, "heart-risk", "test_roc_auc", 0.9, True,
                                    run.info.run_id)
    assert decision.promoted
    loaded = load_model("models:/heart-risk@champion")
    assert loaded.input_columns == list(FEATURES)
    # a raw patient file: integer columns, a 0 cholesterol, an id column the model does not take
    patients = pd.DataFrame(RAW).drop(columns="HeartDisease").astype(
        {c: float for c in ["Age", "RestingBP", "Cholesterol", "FastingBS", "MaxHR", "Oldpeak"]})
    patients = patients.astype({"Age": "int64", "MaxHR": "int64"}).assign(patient_id=range(100, 106))
    patients.loc[2, "RestingBP"] = np.nan
    scored = score_pandas(loaded, patients, ["patient_id"], mini_batch_size=4)
    expected = model.score(patients)
    assert list(scored.columns) == ["patient_id", "probability", "lower", "upper", "label",
                                    "model_name", "model_version"]
    np.testing.assert_allclose(scored["probability"], expected["probability"])
    np.testing.assert_allclose(scored["upper"], expected["upper"])
    with pytest.raises(UnknownCategoryError, match="ST_Slope"):
        loaded.pyfunc.predict(patients.assign(ST_Slope="Sideways")[list(FEATURES)])
    marginal = loaded.pyfunc.predict(patients.assign(ST_Slope="Sideways")[list(FEATURES)],
                                     params={"unknown": "marginal"})
    assert marginal["probability"].between(0, 1).all()
