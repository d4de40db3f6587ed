"""The lake dispatches a catalog entry stored as Delta to smelter.delta; callers do not change."""

import dataclasses

import pandas as pd
import pytest

from smelter import catalog, delta, lake
from smelter.catalog import SILVER_DAILY_SALES, Dataset
from smelter.lake import Lake

DELTA_SALES = dataclasses.replace(SILVER_DAILY_SALES, storage="delta", partition_by=("year", "month"))


@pytest.fixture()
def delta_sales(monkeypatch) -> Dataset:
    monkeypatch.setitem(catalog.CATALOG, ("silver", "daily_sales"), DELTA_SALES)
    return DELTA_SALES


def month(m: int, units: int, states=("Ohio", "Texas")) -> pd.DataFrame:
    return pd.DataFrame({"state": list(states), "units_sold": units, "year": 2022, "month": m})


def test_delta_entry_publishes_reads_and_reports_versions_like_a_folder_one(tmp_path, delta_sales):
    lk = Lake(tmp_path)
    first = lk.publish_pandas(delta_sales, pd.concat([month(1, 1), month(2, 2)]), {"source": "a.csv"})
    assert (first.version, first.rows, first.path) == ("0", 4, tmp_path / "silver" / "daily_sales")
    second = lk.publish_pandas("silver/daily_sales", month(2, 5, ("Utah",)), {"source": "b.csv"}, replace="partitions")
    assert (second.version, second.rows, second.dataset) == ("1", 3, "silver/daily_sales")
    assert lk.current_version(delta_sales) == "1" and lk.list_versions(delta_sales) == ["0", "1"]
    got = lk.read_pandas(delta_sales).sort_values(["month", "state"])
    assert got[["state", "units_sold", "month"]].values.tolist() == [["Ohio", 1, 1], ["Texas", 1, 1], ["Utah", 5, 2]]
    assert len(lk.read_pandas(delta_sales, "0")) == 4
    m = lk.manifest(delta_sales)
    assert (m["dataset"], m["version"], m["rows"], m["metadata"]) == ("silver/daily_sales", "1", 3, {"source": "b.csv"})
    assert lk.manifest(delta_sales, "0")["metadata"] == {"source": "a.csv"}
    assert lk.data_path(delta_sales) == first.path and (first.path / "_delta_log").is_dir()


def test_delta_entry_rolls_back_to_the_content_before_and_again(tmp_path, delta_sales):
    lk = Lake(tmp_path)
    for units in (1, 2, 3):
        lk.publish_pandas(delta_sales, month(1, units))
    assert lk.rollback(delta_sales) == "3"  # a new version holding version 1's rows
    assert set(lk.read_pandas(delta_sales)["units_sold"]) == {2}
    assert lk.rollback(delta_sales) == "4"  # the one before what was restored: version 0
    assert set(lk.read_pandas(delta_sales)["units_sold"]) == {1}
    assert lk.rollback(delta_sales, "2") == "5" and set(lk.read_pandas(delta_sales)["units_sold"]) == {3}


def test_delta_entry_errors_are_clear(tmp_path, delta_sales):
    lk = Lake(tmp_path)
    assert lk.list_versions(delta_sales) == []
    with pytest.raises(lake.DatasetNotFoundError, match="never published"):
        lk.read_pandas(delta_sales)
    lk.publish_pandas(delta_sales, month(1, 1))
    with pytest.raises(lake.DatasetNotFoundError, match="has no version 9"):
        lk.read_pandas(delta_sales, "9")
    with pytest.raises(lake.DatasetNotFoundError, match="not a Delta table version"):
        lk.manifest(delta_sales, "20260101T000000Z-abc123")
    with pytest.raises(ValueError, match="is a Delta table"):
        lk.parquet_path(delta_sales)
    with pytest.raises(ValueError, match="publish it with publish_pandas or publish_spark"):
        lk.publish(delta_sales, lambda folder: 0)
    with pytest.raises(lake.DatasetNotFoundError, match="no version before 0"):
        Lake(tmp_path).rollback(delta_sales)


def test_keep_versions_vacuums_delta_files_of_older_versions(tmp_path, delta_sales):
    lk = Lake(tmp_path, keep_versions=2)
    for units in (1, 2, 3, 4):
        lk.publish_pandas(delta_sales, month(1, units), replace="partitions")
    files = list((tmp_path / "silver" / "daily_sales").rglob("*.parquet"))
    assert len(files) == 2  # versions 2 and 3, one file each
    assert set(lk.read_pandas(delta_sales, "2")["units_sold"]) == {3}


def test_folder_datasets_refuse_partition_replacement(tmp_path):
    with pytest.raises(ValueError, match="only Delta datasets replace partitions"):
        Lake(tmp_path).publish_pandas("silver/state_population", pd.DataFrame({"a": [1]}), replace="partitions")


def test_catalog_checks_storage():
    with pytest.raises(ValueError, match="storage 'iceberg'"):
        Dataset("x", "gold", "d", storage="iceberg")
    with pytest.raises(ValueError, match="Parquet only"):
        Dataset("x", "gold", "d", formats=("parquet", "csv"), storage="delta")


def test_a_publish_computed_from_an_older_version_of_the_same_month_is_refused(tmp_path, delta_sales):
    lk = Lake(tmp_path)
    lk.publish_pandas(delta_sales, month(1, 1))
    read = lk.current_version(delta_sales)
    lk.publish_pandas(delta_sales, month(1, 2), replace="partitions")  # another run, meanwhile
    with pytest.raises(delta.ConcurrentWriteError, match="another writer committed first"):
        lk.publish_pandas(delta_sales, month(1, 3), replace="partitions", read_version=read)
    assert set(lk.read_pandas(delta_sales)["units_sold"]) == {2}
    with pytest.raises(delta.ConcurrentWriteError):  # delta-rs takes the whole table as read: any removal conflicts
        lk.publish_pandas(delta_sales, month(2, 4), replace="partitions", read_version=read)
    lk.publish_pandas(delta_sales, month(2, 4), replace="partitions")
    assert set(lk.read_pandas(delta_sales)["units_sold"]) == {2, 4}
    with pytest.raises(ValueError, match="version folders"):
        lk.publish_pandas("silver/state_population", pd.DataFrame({"a": [1]}), read_version="x")
