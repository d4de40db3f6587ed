"""The wide population file's shape: exactly State + years, covering the sales period."""

import pytest

from tasks.demand_forecast.refine import check_population_covers, year_columns

META = ["_source_file", "_source_row"]


def test_year_columns_in_order_with_bronze_metadata_allowed():
    assert year_columns(["State", "2017", "2018", *META]) == ["2017", "2018"]


@pytest.mark.parametrize(
    "columns, words",
    [
        (["State", "2017_renamed", "2018"], ["pop.csv", "2017_renamed"]),
        (["State", "2017", "notes"], ["pop.csv", "notes"]),
        (["State", *META], ["pop.csv", "no year columns"]),
    ],
)
def test_any_other_column_or_no_year_is_an_error_naming_file_and_column(columns, words):
    with pytest.raises(ValueError) as err:
        year_columns(columns, "pop.csv")
    assert all(w in str(err.value) for w in words)


def test_population_must_cover_every_sales_year():
    check_population_covers(["State", "2021", "2022"], "2021-03-01", "2022-02-28", "pop.csv")
    with pytest.raises(ValueError, match=r"pop\.csv: no population column for year\(s\) \[2020\]"):
        check_population_covers(["State", "2021", "2022"], "2020-12-01", "2022-02-28", "pop.csv")
