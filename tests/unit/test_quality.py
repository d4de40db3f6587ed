import json

import pandas as pd
import pytest

from smelter import expectations as checks
from smelter import quality

SOURCE = "data/bronze/daily_sales/v1/part-0.parquet"
STATES = ["Ohio", "Texas"]


def sales_suite():
    """A silver-sales suite, declared as data the way a stage declares its own."""
    return quality.build_suite(
        "silver.daily_sales",
        [
            *checks.expect_schema(
                {"date": "date", "state": "string", "units_sold": "integer", "_source_row": "integer"}
            ),
            *checks.expect_not_null("date", "state", "units_sold"),
            *checks.expect_between("units_sold", 0, 1_000_000),
            *checks.expect_in_set("state", STATES),
            *checks.expect_unique("date", "state"),
        ],
    )


def good_sales() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2021-07-01", "2021-07-01", "2021-07-02", "2021-07-02"]),
            "state": ["Ohio", "Texas", "Ohio", "Texas"],
            "units_sold": [10, 20, 30, 40],
            "_source_row": [2, 3, 4, 5],
        }
    )


def test_good_frame_passes_and_reports():
    report = quality.enforce(quality.validate_pandas(good_sales(), sales_suite(), "silver/daily_sales", SOURCE))
    assert report.success and not report.failures and report.rows == 4
    assert len(report.results) == 11 and report.engine == "pandas"
    assert json.loads(json.dumps(report.to_dict()))["success"] is True
    assert report.to_markdown().startswith("### PASSED: silver/daily_sales")
    assert "11/11 expectations passed on 4 rows" in report.summary()


def _set(column, row, value):
    def change(df):
        df = df.astype({column: object}) if not isinstance(value, type(df[column].iloc[0])) else df
        df.loc[row, column] = value
        return df

    return change


BAD_FRAMES = {
    # kind: (change to a good frame, failing expectation, column, text naming the example row)
    "null": (
        _set("units_sold", 2, None),
        "expect_column_values_to_not_be_null",
        "'units_sold'",
        "row 4 (units_sold=None",
    ),
    "out of range": (
        _set("units_sold", 1, -5),
        "expect_column_values_to_be_between",
        "'units_sold'",
        "row 3 (units_sold=-5",
    ),
    "unknown category": (
        _set("state", 3, "Atlantis"),
        "expect_column_values_to_be_in_set",
        "'state'",
        "row 5 (state='Atlantis'",
    ),
    "duplicate key": (
        _set("state", 2, "Texas"),
        "expect_compound_columns_to_be_unique",
        "(date, state)",
        "rows 4, 5 (by _source_row)",
    ),
    "mixed types": (
        _set("units_sold", 0, "12"),
        "expect_column_values_to_be_in_type_list",
        "'units_sold'",
        "row 2 (units_sold='12'",
    ),
}


@pytest.mark.parametrize("kind", BAD_FRAMES)
def test_bad_frame_fails_naming_dataset_expectation_column_and_row(kind):
    change, expectation, column, example = BAD_FRAMES[kind]
    report = quality.validate_pandas(change(good_sales()), sales_suite(), "silver/daily_sales", SOURCE)
    with pytest.raises(quality.DataQualityError) as caught:
        quality.enforce(report)
    message = str(caught.value)
    assert message.startswith(f"silver/daily_sales from {SOURCE}: ")
    line = next(line for line in message.splitlines() if expectation in line)
    assert column in line and "of 4 rows" in line and example in line, message
    assert caught.value.report is report and not report.success
    assert "**no**" in report.to_markdown()


def test_missing_column_fails_naming_it():
    report = quality.validate_pandas(
        good_sales().drop(columns="units_sold"), sales_suite(), "silver/daily_sales", SOURCE
    )
    with pytest.raises(quality.DataQualityError) as err:
        quality.enforce(report)
    message = str(err.value)
    assert "expect_table_columns_to_match_set failed" in message and "'missing': ['units_sold']" in message
    assert (
        "expect_column_values_to_not_be_null on column 'units_sold' could not run: column(s) ['units_sold'] not in"
        in message
    )


def test_wrong_dtype_fails_naming_observed_type():
    report = quality.validate_pandas(
        good_sales().astype({"units_sold": float}), sales_suite(), "silver/daily_sales", SOURCE
    )
    (failure,) = report.failures
    assert failure.describe() == (
        "expect_column_values_to_be_in_type_list on column 'units_sold' failed: "
        "observed 'float64'; expected type integer"
    )


def test_examples_fall_back_to_the_index_and_report_is_json_ready():
    frame = good_sales().drop(columns="_source_row").set_axis([10, 11, 12, 13])
    frame.loc[12, "units_sold"] = -1
    suite = quality.build_suite("s", checks.expect_between("units_sold", 0, None))
    (outcome,) = quality.validate_pandas(frame, suite, "silver/x", "mem").results
    assert outcome.examples == [
        {"row": 12, "by": "index", "values": {"date": "2021-07-02T00:00:00", "state": "Ohio", "units_sold": -1}}
    ]
    assert json.loads(json.dumps(quality.validate_pandas(frame, suite, "silver/x", "mem").to_dict()))["results"]


def test_unknown_logical_type_is_refused():
    with pytest.raises(ValueError, match="unknown logical types"):
        checks.expect_types({"a": "int"})
