"""What a Heart Failure Prediction record is: columns, types, categories, plausible ranges.

One place for the facts the ingest check, the quality suite, the preprocessing and the scoring
input share. Ranges are physiological plausibility bounds, not the observed min/max.
"""

from __future__ import annotations

TARGET = "HeartDisease"
NUMERIC = ("Age", "RestingBP", "Cholesterol", "MaxHR", "Oldpeak")
BINARY = ("FastingBS",)
# first level of each is the reference (dropped in the one-hot coding)
CATEGORIES: dict[str, tuple[str, ...]] = {
    "Sex": ("F", "M"),
    "ChestPainType": ("ASY", "ATA", "NAP", "TA"),
    "RestingECG": ("Normal", "LVH", "ST"),
    "ExerciseAngina": ("N", "Y"),
    "ST_Slope": ("Up", "Flat", "Down"),
}
FEATURES = (
    "Age",
    "Sex",
    "ChestPainType",
    "RestingBP",
    "Cholesterol",
    "FastingBS",
    "RestingECG",
    "MaxHR",
    "ExerciseAngina",
    "Oldpeak",
    "ST_Slope",
)
COLUMNS = (*FEATURES, TARGET)

# A recorded 0 is "not measured" for these (physiologically impossible): silver makes it missing.
ZERO_MEANS_MISSING = ("RestingBP", "Cholesterol")
# Missing values get an indicator feature when the column has one (informative missingness).
MISSING_INDICATORS = ("Cholesterol",)

RANGES: dict[str, tuple[float, float]] = {
    "Age": (18, 110),
    "RestingBP": (60, 250),  # mmHg, systolic at rest
    "Cholesterol": (60, 700),  # mg/dl, serum
    "MaxHR": (50, 230),  # beats per minute
    "Oldpeak": (-5.0, 10.0),  # mm ST depression
    "FastingBS": (0, 1),
    "HeartDisease": (0, 1),
}
