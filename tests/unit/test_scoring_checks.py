"""Scoring checks that need no model: input columns, input files, the engine choice."""

import pytest

from smelter.scoring import MissingColumnsError, check_columns, choose_engine
from tasks.common.score import ScoringInputError, input_batches


def test_check_columns_names_missing_columns_and_source():
    with pytest.raises(MissingColumnsError, match=r"x\.csv lacks column\(s\) \['month', 'population'\]"):
        check_columns(["state", "year"], ["state", "month", "population"], "x.csv")
    check_columns(["a", "b", "extra"], ["a", "b"], "ok.csv")


def test_unsupported_or_unreadable_file_is_a_clear_error(tmp_path):
    with pytest.raises(ScoringInputError, match=r"rows\.txt: unsupported file type"):
        input_batches(tmp_path / "rows.txt", ["x"], 10)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet")
    with pytest.raises(ScoringInputError, match=r"broken\.parquet is unreadable"):
        input_batches(broken, ["x"], 10)
    with pytest.raises(ScoringInputError, match=r"absent\.csv does not exist"):
        input_batches(tmp_path / "absent.csv", ["x"], 10)


def test_auto_engine_picks_spark_for_big_inputs_or_a_cluster():
    assert choose_engine("auto", 100, "local[*]", spark_min_rows=1000) == "pandas"
    assert choose_engine("auto", 5000, "local[*]", spark_min_rows=1000) == "spark"
    assert choose_engine("auto", 100, "spark://head:7077") == "spark"
    assert choose_engine("pandas", 10**9, "spark://head:7077") == "pandas"
    with pytest.raises(ValueError, match="engine must be"):
        choose_engine("dask", 1, "local[*]")
