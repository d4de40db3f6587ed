"""Streamed batch scoring (the pandas engine of score_to_gold) against the tiny real forecaster: the published
Parquet and CSV equal today's whole-frame score_pandas, and a bad row mid-stream publishes nothing."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from smelter.catalog import GOLD_DEMAND_FEATURES, GOLD_DEMAND_PREDICTIONS, dataset_dir
from smelter.lake import Lake
from smelter.scoring import RejectedRowsError, load_model, score_pandas
from tasks.common.score import score_to_gold
from tests import scoring_models
from tests.scoring_models import tiny_features

store = scoring_models.store
settings = scoring_models.settings

KEYS = ["date", "state"]
URI = "models:/demand-forecast@champion"
STREAM = {"mini_batch_size": 7, "max_concurrency": 2, "engine": "pandas"}  # tables of 7 rows, 3 held at a time


@pytest.fixture()
def rows():
    """60 rows (eight tables of 7 and one of 4), shuffled, with columns the model does not use."""
    return tiny_features().sample(frac=1.0, random_state=3).reset_index(drop=True)


def published(settings, version: str) -> tuple[pd.DataFrame, str]:
    lake = Lake.of(settings)
    csv = lake.format_path(GOLD_DEMAND_PREDICTIONS, "csv", version).read_text()
    return lake.read_pandas(GOLD_DEMAND_PREDICTIONS, version), csv


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_streamed_output_equals_whole_frame_scoring(settings, rows, tmp_path, suffix):
    path = tmp_path / f"input{suffix}"
    rows.to_parquet(path, index=False) if suffix == ".parquet" else rows.to_csv(path, index=False)
    today = pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path)
    expected = score_pandas(load_model(URI), today, KEYS)
    pub = score_to_gold(settings, URI, GOLD_DEMAND_PREDICTIONS, KEYS, path, **STREAM)
    got, csv = published(settings, pub.version)
    assert pub.rows == len(rows) == 60
    pd.testing.assert_frame_equal(got, expected)  # rows, order, columns, dtypes
    assert csv == expected.to_csv(index=False)  # these floats lie in [1e-4, 1e10): the same text as pandas
    written = pq.ParquetFile(Lake.of(settings).parquet_path(GOLD_DEMAND_PREDICTIONS, pub.version))
    assert written.num_row_groups == 9  # one per mini-batch: the input was never scored whole


def test_categorical_keys_stay_categorical_and_write_their_values(settings, rows, tmp_path):
    path = tmp_path / "input.parquet"
    rows.assign(state=rows["state"].astype("category")).to_parquet(path, index=False)
    expected = score_pandas(load_model(URI), pd.read_parquet(path), KEYS)
    got, csv = published(settings, score_to_gold(settings, URI, GOLD_DEMAND_PREDICTIONS, KEYS, path, **STREAM).version)
    pd.testing.assert_frame_equal(got, expected)
    assert csv == expected.to_csv(index=False)


def test_held_out_rows_stream_from_every_file_of_the_delta_table(settings, monkeypatch):
    import pyarrow as pa

    from smelter import delta_pack

    gold = tiny_features()
    halves = [pa.Table.from_pandas(h, preserve_index=False) for h in (gold.iloc[::2], gold.iloc[1::2])]
    for limit in ("ROW_GROUP_ROWS", "FILE_ROWS"):  # a file a half: a partition's file ends after this many rows
        monkeypatch.setattr(delta_pack, limit, halves[0].num_rows)
    lake = Lake.of(settings)
    lake.publish_arrow(GOLD_DEMAND_FEATURES, halves, halves[0].schema)  # test rows in both files
    assert len(lake.parquet_files(GOLD_DEMAND_FEATURES)) == 2
    pub = score_to_gold(settings, URI, GOLD_DEMAND_PREDICTIONS, KEYS, **STREAM)
    test = gold[gold["split"] == "test"].drop(columns="split").reset_index(drop=True)
    got, _ = published(settings, pub.version)
    expected = score_pandas(load_model(URI), test, KEYS)
    pd.testing.assert_frame_equal(
        got.sort_values(KEYS, ignore_index=True), expected.sort_values(KEYS, ignore_index=True)
    )
    assert len(got) == 15


def test_a_bad_row_mid_stream_publishes_nothing(settings, rows, tmp_path):
    path = tmp_path / "rows.csv"
    rows.assign(state=np.where(rows.index == 45, "Atlantis", rows["state"])).to_csv(path, index=False)
    with pytest.raises(RejectedRowsError, match=r"rows\.csv: column 'state' row 45: unknown category 'Atlantis'"):
        score_to_gold(settings, URI, GOLD_DEMAND_PREDICTIONS, KEYS, path, **STREAM)  # the first batch was written
    lake = Lake.of(settings)
    assert lake.list_versions(GOLD_DEMAND_PREDICTIONS) == []
    staging = dataset_dir(settings.data_root, "gold", "demand_predictions") / "_staging"
    assert not staging.exists() or list(staging.iterdir()) == []


def test_empty_input_publishes_empty_files_with_the_columns(settings, rows, tmp_path):
    path = tmp_path / "none.parquet"
    pa.Table.from_pandas(rows.head(0), preserve_index=False).to_pandas().to_parquet(path, index=False)
    pub = score_to_gold(settings, URI, GOLD_DEMAND_PREDICTIONS, KEYS, path, **STREAM)
    got, csv = published(settings, pub.version)
    expected = score_pandas(load_model(URI), pd.read_parquet(path), KEYS)
    assert pub.rows == 0 and list(got.columns) == list(expected.columns)
    assert csv == expected.to_csv(index=False)
