import pandas as pd

from smelter import lake
from smelter.catalog import GOLD_DEMAND_PREDICTIONS, GOLD_HEART_FEATURES
from smelter.lake import Lake

ROWS = [("2022-01-01", "Ohio", 1.5), ("2022-01-02", "Texas", 2.5)]
SCHEMA = "date string, state string, prediction double"


def test_spark_predictions_version_holds_part_folders_and_reads_back_on_both_engines(spark, tmp_path):
    lk = Lake(tmp_path)
    pub = lk.publish_spark(GOLD_DEMAND_PREDICTIONS, spark.createDataFrame(ROWS, SCHEMA), {"engine": "spark"})
    assert pub.rows == 2 and pub.dataset == "gold/demand_predictions"
    for fmt in ("parquet", "csv"):
        part_folder = pub.path / f"demand_predictions.{fmt}"
        assert part_folder.is_dir() and any(p.name.startswith("part-") for p in part_folder.iterdir())
    assert sorted(lk.read_spark(spark, GOLD_DEMAND_PREDICTIONS).collect()) == sorted(ROWS)
    assert sorted(lake.read_spark(spark, tmp_path, "gold", "demand_predictions").collect()) == sorted(ROWS)
    back = lk.read_pandas(GOLD_DEMAND_PREDICTIONS).sort_values("date").reset_index(drop=True)
    pd.testing.assert_frame_equal(back, pd.DataFrame(ROWS, columns=["date", "state", "prediction"]))
    csv = spark.read.option("header", True).csv(str(lk.format_path(GOLD_DEMAND_PREDICTIONS, "csv")))
    assert sorted((r.date, r.state, float(r.prediction)) for r in csv.collect()) == sorted(ROWS)


def test_pandas_written_predictions_read_back_in_spark(spark, tmp_path):
    lk = Lake(tmp_path)
    lk.publish_pandas(GOLD_DEMAND_PREDICTIONS, pd.DataFrame(ROWS, columns=["date", "state", "prediction"]))
    assert sorted(lk.read_spark(spark, GOLD_DEMAND_PREDICTIONS).collect()) == sorted(ROWS)


def test_one_format_dataset_keeps_spark_parts_in_the_data_folder(spark, tmp_path):
    lk = Lake(tmp_path)
    pub = lk.publish_spark("gold/heart_features", spark.createDataFrame(ROWS, SCHEMA))
    assert any(p.name.startswith("part-") for p in pub.path.iterdir())
    assert lk.parquet_path(GOLD_HEART_FEATURES) == pub.path
    assert len(lk.read_pandas(GOLD_HEART_FEATURES)) == 2
