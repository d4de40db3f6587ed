"""Demand forecast: raw files -> bronze -> silver -> gold -> LightGBM in MLflow -> registry.

Ad hoc: ``python -m flows.demand_forecast --num-leaves 63 --sales-path my_sales.csv``.
"""
from __future__ import annotations

from prefect import flow

from smelter.artifacts import publish_run_summary
from smelter.hooks import notify_failure, run_name
from smelter.settings import load_settings
from smelter.tracking import configure_mlflow
from tasks.forecast.model import ForecasterParams
from tasks.forecast.refine import POPULATION_ID, SALES_RAW
from tasks.forecast.stages import (build_gold_task, generate_sources_task, refine_population_task,
                                   refine_sales_task)
from tasks.forecast.train import train_forecaster_task
from tasks.ingest import ingest_csv_task


@flow(name="refine-demand-data", flow_run_name=run_name("refine-demand-{start}-to-{end}"), log_prints=True,
      timeout_seconds=7200, on_failure=[notify_failure])
def refine_demand_data(sales_path: str | None = None, population_path: str | None = None,
                       start: str = "2017-01-01", end: str = "2022-12-31", states: list[str] | None = None,
                       test_start: str = "2022-01-01") -> dict:
    """Ingest the two raw sources (generated, seeded, when no path is given), refine to silver, build gold."""
    settings = load_settings()
    if sales_path is None or population_path is None:
        generated = generate_sources_task(settings, start, end, states)
        sales_path = sales_path or generated["daily_sales"]
        population_path = population_path or generated["state_population"]
    bronze = [ingest_csv_task(sales_path, settings, "daily_sales", SALES_RAW),
              ingest_csv_task(population_path, settings, "state_population", [POPULATION_ID])]
    silver = [refine_sales_task(settings, start, end), refine_population_task(settings)]
    gold = build_gold_task(settings, test_start)
    return publish_run_summary({"bronze": bronze, "silver": silver, "gold": gold})


@flow(name="train-forecaster", flow_run_name=run_name("train-forecaster-{num_leaves}-leaves"), log_prints=True,
      timeout_seconds=7200, on_failure=[notify_failure])
def train_forecaster(num_leaves: int = 31, num_iterations: int = 300, learning_rate: float = 0.05,
                     seed: int | None = None) -> dict:
    """Train LightGBM on gold/demand_features, track in MLflow, register and apply the champion rule."""
    settings = load_settings()
    configure_mlflow(settings)
    params = ForecasterParams(num_leaves, num_iterations, learning_rate,
                              settings.seed if seed is None else seed)
    return publish_run_summary(train_forecaster_task(settings, params))


@flow(name="demand-forecast", flow_run_name=run_name("demand-forecast-{start}-to-{end}"), log_prints=True,
      timeout_seconds=4 * 3600, on_failure=[notify_failure])
def demand_forecast(sales_path: str | None = None, population_path: str | None = None,
                    start: str = "2017-01-01", end: str = "2022-12-31", states: list[str] | None = None,
                    test_start: str = "2022-01-01", num_leaves: int = 31, num_iterations: int = 300,
                    learning_rate: float = 0.05, seed: int | None = None) -> dict:
    """The whole forecast pipeline: refine the data, train and register, score the held-out period."""
    from flows.score_demand import score_demand

    data = refine_demand_data(sales_path, population_path, start, end, states, test_start)
    model = train_forecaster(num_leaves, num_iterations, learning_rate, seed)
    scores = score_demand()
    return publish_run_summary({"data": data, "model": model, "scores": scores})


if __name__ == "__main__":
    from smelter.cli import run_flow_cli

    run_flow_cli(demand_forecast)
