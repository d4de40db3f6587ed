"""End to end: the heart-disease pipeline under a real Prefect API, GX and MLflow, on a subsample."""

import pandas as pd

from smelter.catalog import GOLD_HEART_FEATURES, GOLD_HEART_PREDICTIONS
from smelter.lake import Lake

SHORT = {"rows": 200, "chains": 2, "samples": 100, "warmup": 100, "workers": 1, "jit": False}


def test_train_register_then_score_patient_files(flow_settings, tmp_path):
    from mlflow import MlflowClient

    from flows.heart_risk import heart_risk_score, heart_risk_train

    result = heart_risk_train(**SHORT, max_r_hat=1.2, min_n_eff=30)  # wiring, not quality
    lake = Lake.of(flow_settings)
    gold = lake.read_pandas(GOLD_HEART_FEATURES, columns=["patient_id", "split", "x_Cholesterol_missing"])
    assert len(gold) == 200 and (gold["split"] == "test").sum() == 40
    assert result["gate"].passed, result["gate"].message
    assert result["registry"].registered and result["registry"].promoted
    metrics = result["evaluation"].metrics
    assert 0.5 < metrics["test_roc_auc"] <= 1 and 0 < metrics["threshold"] < 1
    assert result["gold"].rows == 200 and result["evaluation"].data_version == result["gold"].version
    client = MlflowClient()
    assert client.get_model_version_by_alias("heart-risk", "champion").run_id == result["run_id"]
    run = client.get_run(result["run_id"])
    assert {"max_r_hat", "min_n_eff", "ess_per_second", "train_f1", "test_recall"} <= set(run.data.metrics)
    logged = {
        f.path
        for folder in ("plots", "diagnostics", "evaluation")
        for f in client.list_artifacts(result["run_id"], folder)
    }
    assert {
        "plots/trace_density.png",
        "plots/roc.png",
        "plots/posterior_predictive.png",
        "diagnostics/convergence.json",
        "evaluation/threshold_table.json",
    } <= logged

    published = heart_risk_score()["predictions"]  # the held-out rows of gold/heart_features
    scored = lake.read_pandas(GOLD_HEART_PREDICTIONS, published.version)
    assert len(scored) == 40 and set(scored["patient_id"]) == set(gold.loc[gold["split"] == "test", "patient_id"])
    assert ((scored["lower"] <= scored["probability"]) & (scored["probability"] <= scored["upper"])).all()

    patients = tmp_path / "patients.csv"  # a raw file as a clinic would send it: no id, 0 = not measured
    pd.DataFrame(
        {
            "Age": [63, 45],
            "Sex": ["M", "F"],
            "ChestPainType": ["ASY", "ATA"],
            "RestingBP": [150, 0],
            "Cholesterol": [0, 210],
            "FastingBS": [1, 0],
            "RestingECG": ["ST", "Normal"],
            "MaxHR": [110, 170],
            "ExerciseAngina": ["Y", "N"],
            "Oldpeak": [2.5, 0.0],
            "ST_Slope": ["Flat", "Up"],
        }
    ).to_csv(patients, index=False)
    from_file = heart_risk_score(input_path=str(patients), key_columns=[])["predictions"]
    out = lake.read_pandas(GOLD_HEART_PREDICTIONS, from_file.version)
    assert out["probability"].iloc[0] > out["probability"].iloc[1] and out["model_version"].tolist() == ["1", "1"]


def test_unconverged_run_is_not_registered(flow_settings):
    from flows.heart_risk import heart_risk_train

    result = heart_risk_train(**{**SHORT, "samples": 30, "warmup": 20})
    assert not result["gate"].passed and not result["registry"].registered
    assert "n_eff" in result["registry"].reason and "w[" in result["registry"].reason
