import numpy as np
import pandas as pd
import pytest

from smelter.catalog import GOLD_DEMAND_PREDICTIONS
from smelter.lake import Lake
from smelter.scoring import MissingColumnsError, load_model, score_pandas
from smelter.scoring_spark import score_spark, spread
from tasks.common.score import score_to_gold
from tests import scoring_models
from tests.scoring_models import ThreadLimitModel, register_interval_model, tiny_features

# The fixtures of this module's own MLflow store (tiny models @champion) and each test's own lake: pytest
# finds a fixture by a module-level name (assigned, not imported: ruff would drop an "unused" import).
store = scoring_models.store
settings = scoring_models.settings

KEYS = ["date", "state"]


def test_spark_path_equals_pandas_path(spark, settings):
    model = load_model("models:/demand-forecast@champion")
    rows = tiny_features().sample(frac=1.0, random_state=2).reset_index(drop=True)
    sdf = spark.createDataFrame(rows).repartition(3)  # several partitions, rows out of order
    got = score_spark(spark, model, sdf, KEYS, mini_batch_size=4).toPandas()
    expected = score_pandas(model, rows, KEYS)
    assert list(got.columns) == list(expected.columns)
    got = got.sort_values(KEYS).reset_index(drop=True)
    expected = expected.sort_values(KEYS).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_spark_path_carries_dataframe_predictions_and_checks_columns(spark, settings):
    model = load_model("models:/interval-model@champion")
    sdf = spark.createDataFrame(pd.DataFrame({"id": [1, 2, 3], "x": [0.9, 0.1, 0.6]}))
    got = score_spark(spark, model, sdf, ["id"]).toPandas().sort_values("id")
    assert list(got.columns) == ["id", "probability", "low", "high", "label", "model_name", "model_version"]
    assert got["label"].tolist() == [1, 0, 1]
    with pytest.raises(MissingColumnsError, match=r"in\.parquet lacks column\(s\) \['x'\]"):
        score_spark(spark, model, sdf.drop("x"), ["id"], source="in.parquet")


def test_score_to_gold_on_spark_writes_readable_predictions(spark, settings, tmp_path):
    rows = tiny_features()
    path = tmp_path / "rows.csv"
    rows.to_csv(path, index=False)
    pub = score_to_gold(
        settings, "models:/demand-forecast@champion", GOLD_DEMAND_PREDICTIONS, KEYS, path, engine="spark"
    )
    lake = Lake.of(settings)
    out = lake.read_pandas(GOLD_DEMAND_PREDICTIONS, pub.version).sort_values(KEYS).reset_index(drop=True)
    csv_parts = sorted(lake.format_path(GOLD_DEMAND_PREDICTIONS, "csv", pub.version).glob("part-*.csv"))
    assert pub.rows == len(out) == len(rows) == sum(len(pd.read_csv(p)) for p in csv_parts)
    expected = score_pandas(load_model("models:/demand-forecast/1"), pd.read_csv(path), KEYS)
    expected = expected.sort_values(KEYS).reset_index(drop=True)
    np.testing.assert_allclose(out["prediction"], expected["prediction"])
    assert out["date"].astype(str).tolist() == expected["date"].astype(str).tolist()


def test_spread_keeps_each_partitions_rows_in_input_order(spark):
    one = spark.range(1000).coalesce(1)
    assert spread(one, 1, ["id"]) is one  # enough partitions already: untouched
    parts = spread(one, 3, ["id"]).rdd.glom().map(lambda rows: [r.id for r in rows]).collect()
    assert len(parts) == 3 and all(parts)
    assert all(ids == sorted(ids) for ids in parts)  # neighbours stay neighbours (no sort, no scatter)
    assert sorted(i for ids in parts for i in ids) == list(range(1000))


def test_workers_cap_openmp_threads_at_the_tasks_cores(spark, settings):
    register_interval_model(settings, "thread-limit", ThreadLimitModel())
    model = load_model("models:/thread-limit@champion")
    sdf = spark.createDataFrame(pd.DataFrame({"id": [1, 2, 3], "x": [0.9, 0.1, 0.6]}))
    got = score_spark(spark, model, sdf, ["id"]).toPandas()
    assert got["omp_thread_limit"].tolist() == ["1"] * 3  # local[1]: one core per task
