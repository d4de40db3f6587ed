"""Demand forecast: raw files -> bronze -> silver -> gold -> LightGBM in MLflow -> registry -> batch scores.

Flows (names from :mod:`smelter.naming`): ``demand-forecast-refine``, ``demand-forecast-train``,
``demand-forecast-score`` and ``demand-forecast`` (all three). Ad hoc::

    python -m flows.demand_forecast --num-leaves 63 --sales-path my_sales.csv
    python -m flows.demand_forecast score --input-path x.csv --mini-batch-size 5000
"""

from __future__ import annotations

from smelter.artifacts import publish_run_summary
from smelter.catalog import GOLD_DEMAND_FEATURES, GOLD_DEMAND_PREDICTIONS
from smelter.hooks import pipeline_flow
from smelter.naming import DEMAND_FORECAST as P
from smelter.settings import load_settings
from tasks.common.stages import announce_gold_stage, resolve_model_stage, score_to_gold_stage
from tasks.demand_forecast.model import ForecasterParams
from tasks.demand_forecast.schema import KEYS
from tasks.demand_forecast.stages import (
    build_features_stage,
    generate_sources,
    ingest_population,
    ingest_sales,
    refine_population_stage,
    refine_sales_stage,
    register_forecaster_stage,
    train_forecaster_stage,
)
from tasks.monitoring.stages import check_batch_columns_stage, monitor_drift_stage


@pipeline_flow(P, "refine", "-{start}-to-{end}", timeout_seconds=7200)
def demand_forecast_refine(
    sales_path: str | None = None,
    population_path: str | None = None,
    start: str = "2017-01-01",
    end: str = "2022-12-31",
    states: list[str] | None = None,
    test_start: str = "2022-01-01",
    profile: str = "small",
    backfill: bool = False,
    replace_changed: bool = False,
) -> dict:
    """Ingest the sales files not seen before (a file or a folder; generated, seeded, when no path is
    given: ``profile`` small, medium or large) and the population, refine to silver and gold.

    Only the months the new files touch are recomputed; ``backfill`` recomputes every month from
    ``start`` to ``end``. A landing file changed since it was refined is an error unless
    ``replace_changed``. Population is refined first: a population file that does not cover the sales
    period fails before silver sales are published. The sales ingest runs beside the population's branch
    (Prefect futures): a bad sales file stops the run before silver sales, not the population's refresh."""
    settings = load_settings()
    if sales_path is None or population_path is None:
        generated = generate_sources(settings, start, end, states, profile)
        sales_path = sales_path or generated["daily_sales"]
        population_path = population_path or generated["state_population"]
    # two branches at once: the sales files land (Arrow, in threads) while the population is landed and
    # refined (Spark's first jobs, the quality library's import): neither reads what the other writes
    sales = ingest_sales.submit(settings, sales_path, replace_changed)
    population = ingest_population.submit(settings, population_path)
    refined_population = refine_population_stage.submit(settings, start, end, return_state=False, wait_for=[population])
    bronze = [sales.result(), population.result()]
    silver = [refined_population.result(), refine_sales_stage(settings, start, end, backfill)]
    gold = build_features_stage(settings, test_start, start, end, backfill)
    announce_gold_stage(gold)
    return publish_run_summary({"bronze": bronze, "silver": silver, "gold": gold})


@pipeline_flow(P, "train", "-{num_leaves}-leaves", timeout_seconds=7200)
def demand_forecast_train(
    num_leaves: int = 31, num_iterations: int = 300, learning_rate: float = 0.05, seed: int | None = None
) -> dict:
    """Train LightGBM on gold/demand_features, track in MLflow, register and apply the champion rule."""
    settings = load_settings()
    params = ForecasterParams(num_leaves, num_iterations, learning_rate, settings.seed if seed is None else seed)
    trained = train_forecaster_stage(settings, params)
    return publish_run_summary({"trained": trained, "registered": register_forecaster_stage(settings, trained)})


@pipeline_flow(P, "score", "-{model_uri}", timeout_seconds=3600)
def demand_forecast_score(
    model_uri: str = P.model_uri(),
    input_path: str | None = None,
    mini_batch_size: int | None = None,
    max_concurrency: int | None = None,
    engine: str = "auto",
) -> dict:
    """Score with the pinned model version (default: the held-out rows of gold/demand_features, or any
    .parquet/.csv with the model's input columns); returns ``{"predictions": DatasetPublished}``. Batch size
    and concurrency default to the settings' ``scoring`` section (100,000 rows, 2 threads)."""
    settings = load_settings()
    pinned = resolve_model_stage(settings, model_uri)
    check_batch_columns_stage(settings, pinned, input_path, GOLD_DEMAND_FEATURES)
    predictions = score_to_gold_stage(
        settings,
        pinned,
        GOLD_DEMAND_PREDICTIONS,
        KEYS,
        input_path,
        GOLD_DEMAND_FEATURES,
        mini_batch_size,
        max_concurrency,
        engine,
    )
    drift = monitor_drift_stage(settings, pinned, input_path, GOLD_DEMAND_FEATURES)
    return publish_run_summary({"predictions": predictions, "drift": drift})


@pipeline_flow(P, run="-{start}-to-{end}", timeout_seconds=4 * 3600)
def demand_forecast(
    sales_path: str | None = None,
    population_path: str | None = None,
    start: str = "2017-01-01",
    end: str = "2022-12-31",
    states: list[str] | None = None,
    test_start: str = "2022-01-01",
    profile: str = "small",
    num_leaves: int = 31,
    num_iterations: int = 300,
    learning_rate: float = 0.05,
    seed: int | None = None,
) -> dict:
    """The whole forecast pipeline: refine the data, train and register, score the held-out period."""
    data = demand_forecast_refine(sales_path, population_path, start, end, states, test_start, profile)
    model = demand_forecast_train(num_leaves, num_iterations, learning_rate, seed)
    scores = demand_forecast_score()
    return publish_run_summary({"data": data, "model": model, "scores": scores})


if __name__ == "__main__":
    from smelter.cli import run_flow_cli

    run_flow_cli(
        demand_forecast,
        {"refine": demand_forecast_refine, "train": demand_forecast_train, "score": demand_forecast_score},
    )
