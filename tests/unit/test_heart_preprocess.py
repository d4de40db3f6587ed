"""Heart pipeline data steps: source check, silver typing and zeros, quality suite, split, preprocessing."""

import numpy as np
import pandas as pd
import pytest

from tasks.heart_risk.features import build_features, split_patients
from tasks.heart_risk.preprocess import HeartPreprocessor, UnknownCategoryError
from tasks.heart_risk.refine import refine_patients
from tasks.heart_risk.sources import SourceError, default_source, verify_digest

RAW = {  # bronze text rows, as the shared CSV ingest lands them
    "Age": ["40", "49", "37", "54", "61", "58"],
    "Sex": ["M", "F", "M", "F", "M", "M"],
    "ChestPainType": ["ATA", "NAP", "ASY", "TA", "ASY", "NAP"],
    "RestingBP": ["140", "160", "0", "130", "150", "120"],
    "Cholesterol": ["289", "0", "283", "214", "0", "340"],
    "FastingBS": ["0", "1", "0", "0", "1", "0"],
    "RestingECG": ["Normal", "ST", "LVH", "Normal", "ST", "Normal"],
    "MaxHR": ["172", "156", "98", "122", "105", "170"],
    "ExerciseAngina": ["N", "N", "Y", "N", "Y", "N"],
    "Oldpeak": ["0", "1", "0", "1.5", "2", "0"],
    "ST_Slope": ["Up", "Flat", "Up", "Down", "Flat", "Up"],
    "HeartDisease": ["0", "1", "0", "1", "1", "0"],
}


@pytest.fixture()
def silver() -> pd.DataFrame:
    bronze = pd.DataFrame(RAW)
    bronze["_source_row"] = range(2, len(bronze) + 2)
    return refine_patients(bronze)


def test_default_source_matches_digest_and_a_changed_file_does_not(tmp_path):
    path = default_source()
    assert verify_digest(path, "948420b084d8a3a0ca42b8419fce9aee175879e43f8aedf712377899a67aa49b") == path
    copy = tmp_path / "heart.csv"
    copy.write_bytes(path.read_bytes() + b"\n")
    with pytest.raises(SourceError, match=r"heart\.csv: sha256"):
        verify_digest(copy, "948420b084d8a3a0ca42b8419fce9aee175879e43f8aedf712377899a67aa49b")


def test_silver_makes_impossible_zeros_missing_and_keeps_source_lines(silver):
    assert silver["patient_id"].tolist() == [2, 3, 4, 5, 6, 7]
    assert silver["Cholesterol"].isna().tolist() == [False, True, False, False, True, False]
    assert silver["RestingBP"].isna().sum() == 1 and silver["Oldpeak"].iloc[3] == 1.5
    assert silver["HeartDisease"].dtype == "int64" and silver["Age"].dtype == "float64"


def test_text_in_a_numeric_column_names_column_and_line():
    bronze = pd.DataFrame(RAW).assign(_source_row=range(2, 8))
    bronze.loc[2, "MaxHR"] = "fast"
    with pytest.raises(ValueError, match=r"column 'MaxHR' row 4: 'fast'"):
        refine_patients(bronze)


def test_quality_suite_passes_clean_rows_and_names_bad_ones(silver):
    from smelter.quality import DataQualityError
    from tasks.heart_risk.suites import check_silver

    assert check_silver(silver)["expectations"] > 30
    bad = silver.copy()
    bad.loc[1, "ChestPainType"] = "XYZ"
    bad.loc[4, "MaxHR"] = 400.0
    with pytest.raises(DataQualityError) as err:
        check_silver(bad)
    text = str(err.value)
    assert "ChestPainType" in text and "XYZ" in text and "MaxHR" in text and "row 6" in text


def test_split_is_stratified_and_seeded():
    df = pd.DataFrame({"HeartDisease": [1] * 60 + [0] * 40})
    split = split_patients(df, 0.2, seed=3)
    assert (split == "test").sum() == 20
    assert df.loc[split == "test", "HeartDisease"].sum() == 12  # 60 % positives in both parts
    assert split.equals(split_patients(df, 0.2, seed=3)) and not split.equals(split_patients(df, 0.2, seed=4))


def test_preprocessor_is_fitted_on_training_rows_only(silver):
    train, test = silver.iloc[:4], silver.iloc[4:]
    prep = HeartPreprocessor.fit(train)
    assert prep.medians["Cholesterol"] == train["Cholesterol"].median() != silver["Cholesterol"].median()
    assert prep.means["Age"] == pytest.approx(train["Age"].mean())
    x = prep.transform(test)
    assert x.shape == (2, 16) and len(prep.feature_names) == 16
    names = prep.feature_names
    # a missing Cholesterol gets the training median (-> its standardised value) and the indicator
    imputed = (prep.medians["Cholesterol"] - prep.means["Cholesterol"]) / prep.sds["Cholesterol"]
    assert x[0, names.index("Cholesterol")] == pytest.approx(imputed)
    assert x[:, names.index("Cholesterol_missing")].tolist() == [1.0, 0.0]
    assert x[0, names.index("ChestPainType_ATA")] == 0 and "ChestPainType_ASY" not in names  # reference level


def test_raw_zero_and_missing_score_the_same(silver):
    prep = HeartPreprocessor.fit(silver)
    raw = pd.DataFrame(RAW).drop(columns="HeartDisease").iloc[[1]]
    as_nan = raw.assign(Cholesterol=np.nan)
    np.testing.assert_array_equal(prep.transform(raw), prep.transform(as_nan))


def test_unseen_category_is_an_error_or_the_training_mix(silver):
    prep = HeartPreprocessor.fit(silver)
    new = silver.drop(columns="HeartDisease").iloc[:2].copy()
    new.loc[1, "RestingECG"] = "Abnormal"
    with pytest.raises(UnknownCategoryError, match=r"column 'RestingECG' row 1: unknown category 'Abnormal'"):
        prep.transform(new)
    x = prep.transform(new, unknown="marginal")
    names = prep.feature_names
    assert x[1, names.index("RestingECG_ST")] == pytest.approx(2 / 6)  # share of ST among training rows
    assert x[1, names.index("RestingECG_LVH")] == pytest.approx(1 / 6)


def test_preprocessor_round_trips_through_json_and_gold_has_design_columns(silver):
    gold, prep = build_features(pd.concat([silver] * 3, ignore_index=True), 0.5, seed=1)
    again = HeartPreprocessor.from_json(prep.to_json())
    np.testing.assert_array_equal(again.transform(silver), prep.transform(silver))
    assert [c for c in gold if c.startswith("x_")] == [f"x_{n}" for n in prep.feature_names]
    assert set(gold["split"]) == {"train", "test"}
