import datetime as dt

import pandas as pd
import pytest

from tasks.demand_forecast.features import build_gold
from tasks.demand_forecast.refine import SILVER_SALES, STATE_TOTAL, refine_sales, unpivot_population
from tasks.demand_forecast.schema import GOLD_COLUMNS


def _bronze_sales(spark, rows):
    df = pd.DataFrame(rows, columns=["Date", "State", "Units Sold"])
    df["_source_row"] = range(2, len(df) + 2)
    return spark.createDataFrame(df)


def test_refine_sales_parses_us_dates_and_units(spark):
    out = refine_sales(_bronze_sales(spark, [["07/04/2021", " Ohio ", "1,204"], ["1/2/2017", "Texas", "7"]]))
    got = out.toPandas()
    assert got["date"].tolist() == [dt.date(2021, 7, 4), dt.date(2017, 1, 2)]
    assert got["state"].tolist() == ["Ohio", "Texas"]
    assert got["units_sold"].tolist() == [1204, 7]


def test_refine_sales_turns_bad_values_into_nulls_keeping_source_row(spark):
    got = refine_sales(_bronze_sales(spark, [["2021-13-45", "Ohio", "x"], ["02/30/2021", "Ohio", "3"]])).toPandas()
    assert got["date"].isna().all()
    assert got["units_sold"].isna().tolist() == [True, False]
    assert got["_source_row"].tolist() == [2, 3]


def test_unpivot_population_long_shape(spark):
    wide = pd.DataFrame(
        {"State": ["Ohio", "Texas"], "2017": ["11,658,609", "28304596"], "2018": ["1", "2"], "_source_row": [2, 3]}
    )
    got = unpivot_population(spark.createDataFrame(wide)).orderBy("state", "year").toPandas()
    assert list(got.columns) == ["state", "year", "population", "_source_row"]
    assert got[["state", "year", "population"]].values.tolist() == [
        ["Ohio", 2017, 11658609],
        ["Ohio", 2018, 1],
        ["Texas", 2017, 28304596],
        ["Texas", 2018, 2],
    ]


def test_unpivot_population_without_year_columns_is_an_error(spark):
    with pytest.raises(ValueError, match="no year columns"):
        unpivot_population(spark.createDataFrame(pd.DataFrame({"State": ["Ohio"], "_source_row": [2]})))


def test_build_gold_joins_population_by_year_and_adds_calendar(spark):
    sales = spark.createDataFrame(
        pd.DataFrame(
            {
                "date": [dt.date(2021, 7, 4), dt.date(2022, 5, 30), dt.date(2022, 9, 6)],
                "state": ["Ohio"] * 3,
                "units_sold": [10, 20, 30],
                "_source_row": [2, 3, 4],
            }
        )
    )
    pop = spark.createDataFrame(
        pd.DataFrame({"state": ["Ohio", "Ohio"], "year": [2021, 2022], "population": [100, 200], "_source_row": [2, 2]})
    )
    got = build_gold(sales, pop, "2022-01-01").toPandas()
    assert list(got.columns) == GOLD_COLUMNS
    assert got["population"].tolist() == [100, 200, 200]
    assert got["split"].tolist() == ["train", "test", "test"]
    # 2021-07-04 is a Sunday; 2022-05-30 is Memorial Day (Monday); 2022-09-06 is a Tuesday
    assert got["day_of_week"].tolist() == [6, 0, 1]
    assert got["is_weekend"].tolist() == [1, 0, 0]
    assert got["is_holiday"].tolist() == [1, 1, 0]


def test_refine_store_level_sales_keeps_the_store_file_and_partition_columns(spark):
    df = pd.DataFrame(
        [["07/04/2021", "Ohio", " OH-00001 ", "5", "daily_sales_2021-07-04.csv"]],
        columns=["Date", "State", "Store", "Units Sold", "source_file"],
    )
    df["_source_row"] = [2]
    got = refine_sales(spark.createDataFrame(df)).toPandas()
    assert list(got.columns) == SILVER_SALES
    assert got.iloc[0][["store", "source_file", "year", "month"]].tolist() == [
        "OH-00001",
        "daily_sales_2021-07-04.csv",
        2021,
        7,
    ]
    state_level = refine_sales(_bronze_sales(spark, [["07/04/2021", "Ohio", "5"]])).toPandas()
    assert state_level["store"].tolist() == [STATE_TOTAL]


def test_gold_sums_stores_per_state_and_day_and_counts_them(spark):
    sales = spark.createDataFrame(
        pd.DataFrame(
            {
                "date": [dt.date(2021, 7, 4)] * 3 + [dt.date(2021, 7, 5)],
                "state": ["Ohio", "Ohio", "Utah", "Ohio"],
                "store": ["OH-1", "OH-2", "UT-1", "OH-1"],
                "units_sold": [10, 5, 7, 1],
            }
        )
    )
    pop = spark.createDataFrame(pd.DataFrame({"state": ["Ohio", "Utah"], "year": [2021, 2021], "population": [9, 8]}))
    got = build_gold(sales, pop, "2022-01-01").toPandas()
    assert got[["state", "units_sold", "store_count"]].values.tolist() == [
        ["Ohio", 15, 2],
        ["Utah", 7, 1],
        ["Ohio", 1, 1],
    ]
