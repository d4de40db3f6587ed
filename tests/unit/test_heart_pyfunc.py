"""The registered heart model: pyfunc round trip through a real (temporary) MLflow registry."""
import numpy as np
import pandas as pd
import pytest

from tasks.heart_risk.preprocess import HeartPreprocessor, UnknownCategoryError
from tasks.heart_risk.model import HeartRiskModel, signature_for
from tasks.heart_risk.refine import refine_patients
from tasks.heart_risk.schema import FEATURES
from tests.unit.test_heart_preprocess import RAW


@pytest.fixture()
def model() -> HeartRiskModel:
    silver = refine_patients(pd.DataFrame(RAW))
    prep = HeartPreprocessor.fit(silver)
    rng = np.random.default_rng(0)
    w, b = rng.normal(0, 0.5, size=(400, len(prep.feature_names))), rng.normal(0, 0.2, size=400)
    return HeartRiskModel(prep, w, b, threshold=0.4, level=0.9, batch_rows=4)


def test_score_returns_probability_interval_and_label(model):
    raw = pd.DataFrame(RAW).drop(columns="HeartDisease")
    out = model.score(raw)
    assert list(out.columns) == ["probability", "lower", "upper", "label", "unknown_category"] and len(out) == 6
    assert not out["unknown_category"].any()
    assert ((out["lower"] <= out["probability"]) & (out["probability"] <= out["upper"])).all()
    assert out["label"].tolist() == (out["probability"] >= 0.4).astype(int).tolist()


def test_pyfunc_round_trip_through_the_registry(model, settings):
    import mlflow

    from smelter.scoring import load_model, score_pandas
    from smelter.registry import register_and_promote
    from smelter.tracking import experiment_id, pip_requirements

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
    assert list(scored.columns) == ["patient_id", "probability", "lower", "upper", "label", "unknown_category",
                                    "model_name", "model_version"]
    np.testing.assert_allclose(scored["probability"], expected["probability"])
    np.testing.assert_allclose(scored["upper"], expected["upper"])
    with pytest.raises(UnknownCategoryError, match="ST_Slope"):
        loaded.pyfunc.predict(patients.assign(ST_Slope="Sideways")[list(FEATURES)])
    marginal = loaded.pyfunc.predict(patients.assign(ST_Slope="Sideways")[list(FEATURES)],
                                     params={"unknown": "marginal"})
    assert marginal["probability"].between(0, 1).all()
