import pandas as pd
import pytest

from smelter import lake


def test_publish_then_read_round_trip(tmp_path):
    df = pd.DataFrame({"state": ["Ohio", "Texas"], "year": [2020, 2021]})
    pub = lake.publish_pandas(df, tmp_path, "silver", "state_population", {"run": "r1"})
    assert pub.rows == 2
    pd.testing.assert_frame_equal(lake.read_pandas(tmp_path, "silver", "state_population"), df)
    assert lake.manifest(tmp_path, "silver", "state_population")["metadata"] == {"run": "r1"}


def test_failed_publish_keeps_previous_version_and_leaves_no_staging(tmp_path):
    good = pd.DataFrame({"a": [1]})
    first = lake.publish_pandas(good, tmp_path, "silver", "daily_sales")

    def broken(folder):
        (folder / "part-00000.parquet").write_bytes(b"half")
        raise RuntimeError("killed mid-write")

    with pytest.raises(RuntimeError):
        lake.publish(tmp_path, "silver", "daily_sales", broken)
    assert lake.current_version(tmp_path, "silver", "daily_sales") == first.version
    assert lake.list_versions(tmp_path, "silver", "daily_sales") == [first.version]
    staging = tmp_path / "silver" / "daily_sales" / "_staging"
    assert not any(staging.iterdir())
    pd.testing.assert_frame_equal(lake.read_pandas(tmp_path, "silver", "daily_sales"), good)


def test_rollback_and_prune(tmp_path):
    versions = [lake.publish_pandas(pd.DataFrame({"a": [i]}), tmp_path, "gold", "demand_features",
                                    keep_versions=2).version for i in range(3)]
    assert lake.list_versions(tmp_path, "gold", "demand_features") == versions[1:]
    assert lake.rollback(tmp_path, "gold", "demand_features") == versions[1]
    assert lake.read_pandas(tmp_path, "gold", "demand_features")["a"].tolist() == [1]


def test_unknown_and_unpublished_datasets_are_clear_errors(tmp_path):
    with pytest.raises(KeyError, match="unknown dataset silver/nope"):
        lake.current_version(tmp_path, "silver", "nope")
    with pytest.raises(lake.DatasetNotFoundError, match="silver/daily_sales has not been published"):
        lake.read_pandas(tmp_path, "silver", "daily_sales")
