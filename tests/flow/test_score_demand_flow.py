"""End to end: demand_forecast_score under a real Prefect API, on a tiny registered forecaster and gold."""

import pandas as pd
import pytest

from smelter.catalog import GOLD_DEMAND_FEATURES, GOLD_DEMAND_PREDICTIONS
from smelter.lake import Lake
from smelter.scoring import MissingColumnsError
from smelter.tracking import configure_mlflow
from tests.scoring_models import register_forecaster, tiny_features


def test_score_demand_scores_held_out_gold_then_a_user_file(flow_settings, tmp_path):
    from flows.demand_forecast import demand_forecast_score

    configure_mlflow(flow_settings)
    register_forecaster(flow_settings)
    gold = tiny_features()
    lake = Lake.of(flow_settings)
    lake.publish_pandas(GOLD_DEMAND_FEATURES, gold)

    held_out = demand_forecast_score()["predictions"]
    assert held_out.rows == (gold["split"] == "test").sum()
    assert (held_out.dataset, held_out.detail) == ("gold/demand_predictions", "model demand-forecast v1, engine pandas")

    path = tmp_path / "rows.csv"
    gold.to_csv(path, index=False)
    from_file = demand_forecast_score(input_path=str(path), mini_batch_size=5, max_concurrency=2)["predictions"]
    out = pd.read_csv(lake.format_path(GOLD_DEMAND_PREDICTIONS, "csv", from_file.version))
    assert out["date"].tolist() == gold["date"].astype(str).tolist()
    assert lake.current_version(GOLD_DEMAND_PREDICTIONS) == from_file.version

    gold[["date", "state"]].to_csv(path, index=False)  # the short form: what a caller knows
    short = demand_forecast_score(input_path=str(path))["predictions"]
    pd.testing.assert_series_equal(
        lake.read_pandas(GOLD_DEMAND_PREDICTIONS, short.version)["prediction"],
        lake.read_pandas(GOLD_DEMAND_PREDICTIONS, from_file.version)["prediction"],
    )

    gold.drop(columns=["state"]).to_csv(path, index=False)
    with pytest.raises(MissingColumnsError, match=r"rows\.csv lacks column\(s\) \['state'"):
        demand_forecast_score(input_path=str(path))
