"""What an incremental demand-forecast run recomputes, decided from the landing log and the lake."""

import pandas as pd

from smelter.catalog import BRONZE_DAILY_SALES, GOLD_DEMAND_FEATURES, SILVER_STATE_POPULATION, SILVER_STORES
from smelter.lake import Lake
from tasks.common.ingest import landing_log_path
from tasks.common.landing import FileRecord, read_log, write_log
from tasks.demand_forecast.increments import (
    gold_increment,
    gold_is_current,
    known_stores,
    landing_months,
    mark_landing_refined,
    month_partitions,
    sales_increment,
)


def rec(name: str, first: str | None, last: str | None, refined: bool = False) -> FileRecord:
    return FileRecord(name, "sha", 1, 1, first, last, "2022-03-01T00:00:00", refined)


LOG = {
    r.name: r
    for r in [
        rec("a_2021-12.csv", "2021-12-01", "2021-12-31", refined=True),
        rec("b_2022-01.csv", "2022-01-01", "2022-01-31", refined=True),
        rec("c_2022-02-01.csv", "2022-02-01", "2022-02-01"),
        rec("d_late.csv", "2022-01-30", "2022-02-02"),  # spans January and February
    ]
}


def lake_with_log(tmp_path) -> Lake:
    lake = Lake(tmp_path)
    write_log(landing_log_path(lake, BRONZE_DAILY_SALES), LOG)
    return lake


def test_a_run_recomputes_the_months_of_pending_files_and_a_backfill_its_range(tmp_path):
    lake = lake_with_log(tmp_path)
    assert landing_months(lake, None) == (LOG, [(2022, 1), (2022, 2)])
    assert landing_months(lake, ("2021-12-15", "2022-01-01"))[1] == [(2021, 12), (2022, 1)]
    assert landing_months(Lake(tmp_path / "empty"), None) == ({}, [])


def test_month_partitions_name_year_and_month():
    assert month_partitions([(2022, 1), (2023, 12)]) == [{"year": 2022, "month": 1}, {"year": 2023, "month": 12}]
    assert month_partitions([]) == []


def test_sales_increment_reads_the_bronze_months_of_its_files_a_scan_per_year():
    inc = sales_increment(LOG, [(2021, 12), (2022, 1)])
    assert inc.files == ["a_2021-12.csv", "b_2022-01.csv", "d_late.csv"]
    assert inc.groups == [
        [{"landing_month": "2021-12"}],
        [{"landing_month": "2022-01"}],
        [{"landing_month": "undated"}],  # d_late.csv: its name gives no month
    ]
    assert inc.spans_other_months  # d_late.csv holds February rows too
    assert not sales_increment(LOG, [(2022, 1), (2022, 2)]).spans_other_months
    february = sales_increment(LOG, [(2022, 2)])  # d_late.csv's January rows are read too: filtered
    assert february.groups == [[{"landing_month": "2022-02"}], [{"landing_month": "undated"}]]
    assert february.spans_other_months


def test_known_stores_are_none_before_the_first_publish(tmp_path):
    lake = Lake(tmp_path)
    empty = known_stores(lake)
    assert list(empty.columns) == ["store", "state"] and empty.empty
    lake.publish_pandas(SILVER_STORES, pd.DataFrame({"store": ["OH-1"], "state": ["Ohio"]}))
    assert known_stores(lake).values.tolist() == [["OH-1", "Ohio"]]


def publish_gold(lake: Lake, population_version: str, test_start: str) -> None:
    df = pd.DataFrame({"date": ["2022-01-03"], "state": ["Ohio"], "year": [2022], "month": [1]})
    lake.publish_pandas(GOLD_DEMAND_FEATURES, df, {"population_version": population_version, "test_start": test_start})


def test_gold_is_rebuilt_whole_when_missing_or_built_from_another_population_or_split(tmp_path):
    lake = Lake(tmp_path)
    lake.publish_pandas(SILVER_STATE_POPULATION, pd.DataFrame({"state": ["Ohio"], "year": [2022], "population": [1]}))
    version = lake.current_version(SILVER_STATE_POPULATION)
    assert not gold_is_current(lake, version, "2022-02-01")
    full = gold_increment(lake, [], "2022-02-01")
    assert full.full and not full.nothing_to_do and full.replace == "all" and full.sales_partitions is None
    assert full.metadata == {"population_version": version, "test_start": "2022-02-01"}
    publish_gold(lake, version, "2022-02-01")
    assert gold_is_current(lake, version, "2022-02-01")
    assert not gold_is_current(lake, version, "2022-03-01") and not gold_is_current(lake, "other", "2022-02-01")
    assert gold_increment(lake, [], "2022-02-01").nothing_to_do
    some = gold_increment(lake, [(2022, 2)], "2022-02-01")
    assert not some.full and some.replace == some.sales_partitions == [{"year": 2022, "month": 2}]


def test_marking_refined_marks_the_pending_files_of_the_log_read(tmp_path):
    lake = lake_with_log(tmp_path)
    log, _ = landing_months(lake, None)
    mark_landing_refined(lake, log)
    after = read_log(landing_log_path(lake, BRONZE_DAILY_SALES))
    assert set(after) == set(LOG) and all(r.refined for r in after.values())
    assert landing_months(lake, None)[1] == []
