"""End to end: demand_forecast_score under a real Prefect API, on a tiny registered forecaster and gold."""
import pandas as pd
import pytest
from scoring_models import register_forecaster, tiny_features

from smelter import lake
from smelter.scoring import MissingColumnsError
from smelter.tracking import configure_mlflow


def test_score_demand_scores_held_out_gold_then_a_user_file(flow_settings, tmp_path):
    from flows.demand_forecast import demand_forecast_score

    configure_mlflow(flow_settings)
    register_forecaster(flow_settings)
    gold = tiny_features()
    lake.publish_pandas(gold, flow_settings.data_root, "gold", "demand_features")

    held_out = demand_forecast_score()
    assert held_out["rows"] == (gold["split"] == "test").sum()
    assert (held_out["dataset"], held_out["model"], held_out["engine"]) == (
        "gold/demand_predictions", "demand-forecast v1", "pandas")

    path = tmp_path / "rows.csv"
    gold.to_csv(path, index=False)
    from_file = demand_forecast_score(input_path=str(path), mini_batch_size=5, max_concurrency=2)
    out = pd.read_csv(f"{from_file['path']}/predictions.csv")
    assert out["date"].tolist() == gold["date"].astype(str).tolist()
    assert lake.current_version(flow_settings.data_root, "gold", "demand_predictions") == from_file["version"]

    gold.drop(columns=["month"]).to_csv(path, index=False)
    with pytest.raises(MissingColumnsError, match=r"rows\.csv lacks column\(s\) \['month'\]"):
        demand_forecast_score(input_path=str(path))
