"""Gold: the stratified, seeded train/test split and the design matrix fitted on training rows.

gold/heart_features holds the silver columns, ``split`` ("train"/"test") and one ``x_<feature>``
column per design column; the fitted :class:`HeartPreprocessor` is published in the same version's
manifest (``metadata.preprocessor``), so training and scoring use the same fit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smelter.catalog import GOLD_HEART_FEATURES
from smelter.lake import Lake
from smelter.settings import Settings
from tasks.heart_risk.preprocess import HeartPreprocessor
from tasks.heart_risk.schema import TARGET


def split_patients(silver: pd.DataFrame, test_fraction: float = 0.2, seed: int = 42) -> pd.Series:
    """ "train"/"test" per row, stratified on the label (scikit-learn's seeded ``train_test_split``)."""
    from sklearn.model_selection import train_test_split

    _, test = train_test_split(silver.index, test_size=test_fraction, random_state=seed, stratify=silver[TARGET])
    split = pd.Series("train", index=silver.index, dtype=object)
    split[test] = "test"
    return split


def subsample(silver: pd.DataFrame, rows: int | None, seed: int) -> pd.DataFrame:
    """A seeded random ``rows``-row subset (all rows when ``rows`` is None or too large)."""
    if rows is None or rows >= len(silver):
        return silver
    return silver.sample(n=rows, random_state=seed).sort_index()


def build_features(silver: pd.DataFrame, test_fraction: float, seed: int) -> tuple[pd.DataFrame, HeartPreprocessor]:
    """Silver rows -> (gold table with ``split`` and ``x_*`` columns, preprocessor fitted on train)."""
    gold = silver.copy()
    gold["split"] = split_patients(silver, test_fraction, seed)
    prep = HeartPreprocessor.fit(gold[gold["split"] == "train"])
    design = prep.transform(gold, source="silver/heart_patients")
    for j, name in enumerate(prep.feature_names):
        gold[f"x_{name}"] = design[:, j]
    return gold, prep


def design(gold: pd.DataFrame, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of one split of the gold table, as float arrays."""
    part = gold[gold["split"] == split]
    return part.filter(regex="^x_").to_numpy(float), part[TARGET].to_numpy(float)


def read_features(settings: Settings) -> tuple[pd.DataFrame, HeartPreprocessor]:
    """The current gold/heart_features table and the preprocessor published with it."""
    lake = Lake.of(settings)
    version = lake.current_version(GOLD_HEART_FEATURES)
    gold = lake.read_pandas(GOLD_HEART_FEATURES, version)
    meta = lake.manifest(GOLD_HEART_FEATURES, version)["metadata"]
    return gold, HeartPreprocessor(**meta["preprocessor"])
