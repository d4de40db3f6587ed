"""End to end: the forecast pipeline under a real Prefect API, Spark, GX and MLflow, on tiny data."""

import pandas as pd
import pytest

from smelter.catalog import (
    BRONZE_DAILY_SALES,
    GOLD_DEMAND_FEATURES,
    GOLD_DEMAND_PREDICTIONS,
    SILVER_DAILY_SALES,
    SILVER_STATE_POPULATION,
)
from smelter.lake import Lake
from smelter.quality import DataQualityError

STATES = ["Arizona", "Maine", "Texas"]
WINDOW = {"start": "2021-01-01", "end": "2022-02-28", "states": STATES, "test_start": "2022-01-01"}


def test_whole_pipeline_publishes_layers_registers_champion_and_scores(flow_settings, spark):
    from mlflow import MlflowClient

    from flows.demand_forecast import demand_forecast, demand_forecast_refine

    result = demand_forecast(**WINDOW, num_iterations=40)
    data, model = result["data"], result["model"]
    lake = Lake.of(flow_settings)
    days = len(pd.date_range("2021-01-01", "2022-02-28"))
    silver = {d.dataset: d for d in data["silver"]}
    assert silver["silver/daily_sales"].rows == days * len(STATES)
    assert silver["silver/state_population"].rows == 51 * 6
    gold = lake.read_pandas(GOLD_DEMAND_FEATURES)
    assert len(gold) == days * len(STATES) and gold["population"].notna().all()
    assert set(gold.loc[gold["split"] == "test", "date"].astype(str).str[:4]) == {"2022"}
    bronze = lake.read_pandas(BRONZE_DAILY_SALES)
    assert {"source_file", "_source_sha256", "_ingested_at", "_flow_run_id"} <= set(bronze.columns)

    assert model["registered"].promoted and model["registered"].version == "1"
    champion = MlflowClient().get_model_version_by_alias("demand-forecast", "champion")
    assert champion.run_id == model["trained"].run_id

    parquet = lake.read_pandas(GOLD_DEMAND_PREDICTIONS)
    csv = pd.read_csv(lake.format_path(GOLD_DEMAND_PREDICTIONS, "csv"))
    assert result["scores"]["predictions"].version == lake.current_version(GOLD_DEMAND_PREDICTIONS)
    assert len(parquet) == len(csv) == (gold["split"] == "test").sum()
    assert {"date", "state", "prediction", "model_name", "model_version"} <= set(parquet.columns)
    assert set(parquet["model_name"]) == {"demand-forecast"} and set(parquet["model_version"].astype(str)) == {"1"}
    assert parquet["prediction"].notna().all()

    again = demand_forecast_refine(**WINDOW)  # same raw files: bronze is not re-published
    assert not again["bronze"][0].new and again["bronze"][0].version == data["bronze"][0].version


def test_bad_sales_fail_the_gate_and_keep_published_silver(flow_settings, spark, tmp_path):
    from flows.demand_forecast import demand_forecast_refine

    first = demand_forecast_refine(**WINDOW)
    landing = tmp_path / "data" / "landing"
    raw = pd.read_csv(landing / "daily_sales.csv", dtype=str)
    raw.loc[4, "Units Sold"] = "-3"
    raw.loc[7, "State"] = "Atlantis"
    bad = tmp_path / "bad_sales.csv"
    raw.to_csv(bad, index=False)
    with pytest.raises(DataQualityError) as err:
        demand_forecast_refine(sales_path=str(bad), population_path=str(landing / "state_population.csv"), **WINDOW)
    message = str(err.value)
    assert "silver/daily_sales" in message and "units_sold" in message and "state" in message
    assert "Atlantis" in message and "6" in message  # raw row 4 is line 6 of the file
    lake = Lake.of(flow_settings)
    assert lake.current_version(SILVER_DAILY_SALES) == next(
        d.version for d in first["silver"] if d.dataset == "silver/daily_sales"
    )
    assert lake.current_version(GOLD_DEMAND_FEATURES) == first["gold"].version


@pytest.mark.parametrize("change", ["rename", "drop"])
def test_population_without_a_needed_year_fails_before_silver_is_published(flow_settings, spark, tmp_path, change):
    from flows.demand_forecast import demand_forecast_refine

    first = demand_forecast_refine(**WINDOW)
    landing = tmp_path / "data" / "landing"
    wide = pd.read_csv(landing / "state_population.csv", dtype=str)
    wide = wide.rename(columns={"2021": "2021_renamed"}) if change == "rename" else wide.drop(columns="2021")
    bad = tmp_path / "population.csv"
    wide.to_csv(bad, index=False)
    with pytest.raises(ValueError) as err:
        demand_forecast_refine(sales_path=str(landing / "daily_sales.csv"), population_path=str(bad), **WINDOW)
    message = str(err.value)
    assert str(bad) in message and ("2021_renamed" in message if change == "rename" else "[2021]" in message)
    lake = Lake.of(flow_settings)
    for ds in (SILVER_DAILY_SALES, SILVER_STATE_POPULATION):  # nothing in silver moved, nor gold
        assert lake.current_version(ds) == next(d.version for d in first["silver"] if d.dataset == ds.key)
    assert lake.current_version(GOLD_DEMAND_FEATURES) == first["gold"].version
