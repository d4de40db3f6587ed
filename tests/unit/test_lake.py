import pandas as pd
import pytest

from smelter import catalog, lake
from smelter.catalog import GOLD_DEMAND_PREDICTIONS, GOLD_HEART_FEATURES, Dataset
from smelter.lake import Lake


def test_publish_then_read_round_trip(tmp_path):
    df = pd.DataFrame({"state": ["Ohio", "Texas"], "year": [2020, 2021]})
    pub = lake.publish_pandas(df, tmp_path, "silver", "state_population", {"run": "r1"})
    assert pub.rows == 2
    pd.testing.assert_frame_equal(lake.read_pandas(tmp_path, "silver", "state_population"), df)
    assert lake.manifest(tmp_path, "silver", "state_population")["metadata"] == {"run": "r1"}


def test_failed_publish_keeps_previous_version_and_leaves_no_staging(tmp_path):
    good = pd.DataFrame({"a": [1]})
    first = lake.publish_pandas(good, tmp_path, "silver", "stores")

    def broken(folder):
        (folder / "part-00000.parquet").write_bytes(b"half")
        raise RuntimeError("killed mid-write")

    with pytest.raises(RuntimeError):
        lake.publish(tmp_path, "silver", "stores", broken)
    assert lake.current_version(tmp_path, "silver", "stores") == first.version
    assert lake.list_versions(tmp_path, "silver", "stores") == [first.version]
    staging = tmp_path / "silver" / "stores" / "_staging"
    assert not any(staging.iterdir())
    pd.testing.assert_frame_equal(lake.read_pandas(tmp_path, "silver", "stores"), good)


def test_rollback_and_prune(tmp_path):
    versions = [
        lake.publish_pandas(pd.DataFrame({"a": [i]}), tmp_path, "gold", "heart_features", keep_versions=2).version
        for i in range(3)
    ]
    assert lake.list_versions(tmp_path, "gold", "heart_features") == versions[1:]
    assert lake.rollback(tmp_path, "gold", "heart_features") == versions[1]
    assert lake.read_pandas(tmp_path, "gold", "heart_features")["a"].tolist() == [1]


def test_unknown_and_unpublished_datasets_are_clear_errors(tmp_path):
    with pytest.raises(KeyError, match="unknown dataset silver/nope"):
        lake.current_version(tmp_path, "silver", "nope")
    with pytest.raises(lake.DatasetNotFoundError, match="silver/stores has not been published"):
        lake.read_pandas(tmp_path, "silver", "stores")


# --- the Lake bound to a root, with catalog datasets ------------------------------------------

PREDICTIONS = pd.DataFrame({"date": ["2022-01-01", "2022-01-02"], "state": ["Ohio", "Texas"], "prediction": [1.5, 2.5]})


def test_lake_publish_read_and_rollback(tmp_path):
    lk = Lake(tmp_path, keep_versions=2)
    pubs = [lk.publish_pandas(GOLD_HEART_FEATURES, pd.DataFrame({"a": [i]}), {"i": i}) for i in range(3)]
    assert [p.dataset for p in pubs] == ["gold/heart_features"] * 3
    assert lk.list_versions("gold/heart_features") == [p.version for p in pubs[1:]]
    assert lk.current_version(GOLD_HEART_FEATURES) == pubs[2].version
    assert lk.read_pandas(GOLD_HEART_FEATURES)["a"].tolist() == [2]
    assert lk.manifest(GOLD_HEART_FEATURES, pubs[1].version)["metadata"] == {"i": 1}
    assert lk.rollback(GOLD_HEART_FEATURES) == pubs[1].version
    assert lk.read_pandas("gold/heart_features", columns=["a"])["a"].tolist() == [1]
    assert lk.data_path(GOLD_HEART_FEATURES) == pubs[1].path
    # the module functions see the same lake
    assert lake.read_pandas(tmp_path, "gold", "heart_features")["a"].tolist() == [1]


def test_lake_of_settings_uses_data_root_and_keep_versions(settings):
    settings.lake.keep_versions = 1
    lk = Lake.of(settings)
    assert lk == Lake(settings.data_root, 1)
    for i in range(2):
        lk.publish_pandas(GOLD_HEART_FEATURES, pd.DataFrame({"a": [i]}))
    assert len(lk.list_versions(GOLD_HEART_FEATURES)) == 1
    assert (settings.data_root / "gold" / "heart_features" / "_CURRENT").exists()


def test_multi_format_version_holds_each_format_and_reads_back_as_parquet(tmp_path):
    lk = Lake(tmp_path)
    pub = lk.publish_pandas(GOLD_DEMAND_PREDICTIONS, PREDICTIONS, {"model": "m"})
    assert sorted(p.name for p in pub.path.iterdir()) == ["demand_predictions.csv", "demand_predictions.parquet"]
    assert lk.parquet_path(GOLD_DEMAND_PREDICTIONS) == pub.path / "demand_predictions.parquet"
    pd.testing.assert_frame_equal(lk.read_pandas(GOLD_DEMAND_PREDICTIONS), PREDICTIONS)
    pd.testing.assert_frame_equal(lake.read_pandas(tmp_path, "gold", "demand_predictions"), PREDICTIONS)
    pd.testing.assert_frame_equal(pd.read_csv(lk.format_path(GOLD_DEMAND_PREDICTIONS, "csv")), PREDICTIONS)
    assert lk.manifest(GOLD_DEMAND_PREDICTIONS)["formats"] == ["parquet", "csv"]


def test_writer_asks_the_catalog_where_each_format_goes(tmp_path):
    """A hand-written multi-format version (as batch scoring writes one) reads back, also the
    older layout whose files were called predictions.*."""
    lk = Lake(tmp_path)

    def write(folder):
        PREDICTIONS.to_parquet(GOLD_DEMAND_PREDICTIONS.format_path(folder, "parquet"), index=False)
        PREDICTIONS.to_csv(GOLD_DEMAND_PREDICTIONS.format_path(folder, "csv"), index=False)
        return len(PREDICTIONS)

    def write_old(folder):
        PREDICTIONS.to_parquet(folder / "predictions.parquet", index=False)
        PREDICTIONS.to_csv(folder / "predictions.csv", index=False)
        return len(PREDICTIONS)

    lk.publish(GOLD_DEMAND_PREDICTIONS, write)
    pd.testing.assert_frame_equal(lk.read_pandas(GOLD_DEMAND_PREDICTIONS), PREDICTIONS)
    old = lk.publish(GOLD_DEMAND_PREDICTIONS, write_old)
    assert lk.parquet_path(GOLD_DEMAND_PREDICTIONS) == old.path / "predictions.parquet"
    pd.testing.assert_frame_equal(lk.read_pandas(GOLD_DEMAND_PREDICTIONS), PREDICTIONS)


def test_multi_format_version_without_parquet_is_a_clear_error(tmp_path):
    lk = Lake(tmp_path)
    lk.publish(GOLD_DEMAND_PREDICTIONS, lambda folder: PREDICTIONS.to_csv(folder / "only.csv") or 2)
    with pytest.raises(
        lake.DatasetNotFoundError,
        match=r"gold/demand_predictions .* no demand_predictions\.parquet"
        r".*\['only\.csv'\]",
    ):
        lk.read_pandas(GOLD_DEMAND_PREDICTIONS)


def test_partitioned_dataset_writes_hive_folders_and_reads_back(tmp_path, monkeypatch):
    ds = Dataset("demand_features", "gold", "partitioned", ("date", "state"), partition_by=("state",))
    monkeypatch.setitem(catalog.CATALOG, ("gold", "demand_features"), ds)
    pub = Lake(tmp_path).publish_pandas(ds, PREDICTIONS)
    assert sorted(p.name for p in pub.path.iterdir()) == ["state=Ohio", "state=Texas"]
    back = Lake(tmp_path).read_pandas(ds)
    assert sorted(zip(back["state"].astype(str), back["prediction"], strict=True)) == [("Ohio", 1.5), ("Texas", 2.5)]


def test_lake_refuses_datasets_the_catalog_does_not_hold(tmp_path):
    with pytest.raises(KeyError, match="unknown dataset gold/nope"):
        Lake(tmp_path).read_pandas("gold/nope")
    with pytest.raises(KeyError, match="differs from the catalog"):
        Lake(tmp_path).publish_pandas(Dataset("demand_features", "gold", "x"), PREDICTIONS)
