"""The endpoint serving the production demand model: short form, long form, unknown state -> 422."""

import mlflow
import pandas as pd
import pytest

from smelter.registry import register_and_promote
from smelter.tracking import configure_mlflow, experiment_id
from tasks.demand_forecast.model import DemandModel, ForecasterParams, fit_forecaster, population_table
from tasks.demand_forecast.schema import CALENDAR
from tasks.demand_forecast.train import log_model, short_form
from tests.model.test_demand_model import gold_rows
from tests.serving.serving_helpers import KEY, call, running_server

NAME = "demand-serving-test"


@pytest.fixture(scope="module")
def demand_server(serving_settings, tmp_path_factory):
    configure_mlflow(serving_settings)
    gold = gold_rows()
    model = DemandModel(
        fit_forecaster(gold[gold["split"] == "train"], ForecasterParams(num_iterations=20)), population_table(gold)
    )
    with mlflow.start_run(experiment_id=experiment_id(serving_settings, "serving-demand")) as run:
        info = log_model(model, short_form(gold.head(3)))
    register_and_promote(info.model_uri, NAME, "rmse", 1.0, False, run.info.run_id)
    log = tmp_path_factory.mktemp("serving-demand") / "server.log"
    with running_server(serving_settings, log, api_key=KEY, model_uri=f"models:/{NAME}@champion") as url:
        yield url, model


def test_short_and_long_form_score_alike_and_say_the_population_year(demand_server):
    url, model = demand_server
    status, short, _ = call(f"{url}/score", {"dataframe_records": [{"date": "2022-01-05", "state": "Texas"}]})
    assert status == 200, short
    [row] = short["predictions"]
    assert row["population_year"] == 2022 and row["unknown_category"] is False
    long_row = model.features(pd.DataFrame({"date": ["2022-01-05"], "state": ["Texas"]})).iloc[0]
    record = {c: int(long_row[c]) for c in [*CALENDAR, "population"]} | {"state": "Texas"}
    status, long, _ = call(f"{url}/score", {"dataframe_records": [record]})
    assert status == 200, long
    assert long["predictions"][0]["prediction"] == pytest.approx(row["prediction"])


def test_unknown_state_is_a_422_naming_column_row_and_value(demand_server):
    url, _ = demand_server
    body = {
        "dataframe_records": [{"date": "2022-01-05", "state": "Texas"}, {"date": "2022-01-05", "state": "Atlantis"}]
    }
    status, answer, _ = call(f"{url}/score", body)
    assert status == 422 and "column 'state' row 1: unknown category 'Atlantis'" in answer["error"]
    status, answer, _ = call(f"{url}/score", {"dataframe_records": [{"date": "2022-01-05", "state": "Texas"}]})
    assert status == 200  # the endpoint keeps serving
