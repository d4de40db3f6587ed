import datetime as dt

import pytest

from smelter import expectations as checks
from smelter import quality

STATES = ["Ohio", "Texas"]
GOOD = [("2021-07-01", "Ohio", 10), ("2021-07-01", "Texas", 20), ("2021-07-02", "Ohio", 30)]
BAD = [*GOOD, ("2021-07-02", "Atlantis", None), ("2021-07-01", "Ohio", -4), ("2030-01-01", "Texas", 1)]


def suite():
    return quality.build_suite(
        "silver.daily_sales",
        [
            *checks.expect_schema(
                {"date": "date", "state": "string", "units_sold": "integer", "_source_row": "integer"}
            ),
            *checks.expect_not_null("date", "state", "units_sold"),
            *checks.expect_between("units_sold", 0, 1_000_000),
            *checks.expect_between("date", "2017-01-01", "2022-12-31"),
            *checks.expect_in_set("state", STATES),
            *checks.expect_unique("date", "state"),
        ],
    )


def frame(spark, rows):
    """Silver-shaped Spark rows; _source_row counts from 2, as ingest numbers CSV lines."""
    schema = "date date, state string, units_sold int, _source_row int"
    return spark.createDataFrame([(dt.date.fromisoformat(d), s, u, i) for i, (d, s, u) in enumerate(rows, 2)], schema)


MODES = {"in-spark": {}, "via-pandas": {"via_pandas": True}, "aggregates": {"aggregates": True}}
ENGINES = {"in-spark": "spark", "via-pandas": "spark via pandas", "aggregates": "spark aggregates"}


@pytest.mark.parametrize("mode", list(MODES))
def test_spark_gate_passes_good_data_and_names_bad_rows(spark, mode):
    good = quality.validate_spark(frame(spark, GOOD), suite(), "silver/daily_sales", "bronze/x", **MODES[mode])
    assert quality.enforce(good).success and good.rows == 3 and len(good.results) == 12
    assert good.engine == ENGINES[mode]

    report = quality.validate_spark(frame(spark, BAD), suite(), "silver/daily_sales", "bronze/x", **MODES[mode])
    with pytest.raises(quality.DataQualityError) as caught:
        quality.enforce(report)
    lines = str(caught.value).splitlines()
    assert lines[0] == "silver/daily_sales from bronze/x: 5 of 12 expectations failed on 6 rows"
    expected = {
        "expect_column_values_to_not_be_null on column 'units_sold' failed for 1 of 6 rows, e.g. row 5",
        "expect_column_values_to_be_in_set on column 'state' failed for 1 of 6 rows, e.g. row 5",
        "expect_column_values_to_be_between on column 'units_sold' failed for 1 of 6 rows, e.g. row 6",
        "expect_column_values_to_be_between on column 'date' failed for 1 of 6 rows, e.g. row 7",
        "expect_compound_columns_to_be_unique on columns (date, state) failed for 2 of 6 rows, e.g. rows 2, 6",
    }
    for start in expected:
        assert any(line.startswith(f"- {start}") for line in lines), (start, lines)
    assert "state='Atlantis'" in str(caught.value)


def test_aggregates_gate_reports_schema_and_missing_columns_and_runs_other_expectations_in_gx(spark):
    """A wrong type, a missing column and an expectation it does not translate (GX runs that one)."""
    expectations = [
        *checks.expect_schema({"date": "date", "state": "integer", "units_sold": "integer", "store": "string"}),
        *checks.expect_not_null("store"),
        *checks.expect_unique("state"),
        checks._gx().ExpectColumnValuesToNotBeNull(column="units_sold", mostly=0.5),  # mostly: not translated
    ]
    report = quality.validate_spark(
        frame(spark, BAD), quality.build_suite("x", expectations), "silver/x", "bronze/x", aggregates=True
    )
    outcomes = {(r.expectation, r.column): r for r in report.results}
    assert [r.expectation for r in report.results] == [e.configuration.type for e in expectations]
    assert not outcomes["expect_table_columns_to_match_set", None].success
    assert outcomes["expect_column_values_to_be_in_type_list", "state"].observed == "StringType"
    assert outcomes["expect_column_values_to_be_in_type_list", "units_sold"].success
    assert "not in the data" in outcomes["expect_column_values_to_not_be_null", "store"].error
    assert outcomes["expect_column_values_to_be_unique", "state"].unexpected_count == 5
    assert report.results[-1].success and report.results[-1].unexpected_count == 1  # GX: 1 null of 6, mostly 0.5


@pytest.mark.parametrize("rows", [GOOD, BAD], ids=["good", "bad"])
def test_totals_observed_by_a_write_give_the_report_of_the_aggregation_job(spark, rows, tmp_path):
    """The row-wise counts observed while a frame is written (no job of their own) give the same outcomes,
    with the same example rows, as the gate's own aggregation job."""
    from pyspark.sql import Observation

    from smelter import quality_spark

    observed = Observation("gate")
    frame(spark, rows).observe(observed, *quality_spark.totals(suite(), frame(spark, rows).columns)).write.parquet(
        str(tmp_path / "staged")
    )
    staged = spark.read.parquet(str(tmp_path / "staged"))
    assert observed.get["rows"] == len(rows)
    given = quality.validate_spark(staged, suite(), "silver/x", "bronze/x", aggregates=True, totals=observed.get)
    own = quality.validate_spark(staged, suite(), "silver/x", "bronze/x", aggregates=True)
    assert given.success == own.success == (rows is GOOD)
    assert given.results == own.results


def test_keys_whose_hashes_collide_are_told_apart_by_their_values(spark, monkeypatch):
    """Every key hashing alike (a collision everywhere): only keys really repeated count, named by row."""
    from pyspark.sql import functions as F

    from smelter import quality_spark

    monkeypatch.setattr(quality_spark, "_key_hash", lambda keys: F.lit(0).cast("long"))
    unique = quality.validate_spark(frame(spark, GOOD), suite(), "silver/x", "bronze/x", aggregates=True)
    assert unique.results[-1].success and unique.results[-1].unexpected_count == 0
    repeated = quality.validate_spark(frame(spark, BAD), suite(), "silver/x", "bronze/x", aggregates=True)
    outcome = repeated.results[-1]
    assert not outcome.success and outcome.unexpected_count == 2
    assert sorted(e["row"] for e in outcome.examples) == [2, 6]
