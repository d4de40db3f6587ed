"""The network-design pipeline's Prefect tasks: thin shells around its plain functions.

Task names follow :mod:`smelter.naming`: ``network-design.<step>``.
"""

from __future__ import annotations

import pandas as pd
from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from smelter.catalog import GOLD_NETWORK_LEGS, GOLD_NETWORK_SUMMARY
from smelter.lake import Lake
from smelter.naming import NETWORK_DESIGN as P
from smelter.results import DatasetPublished
from smelter.settings import Settings
from tasks.network_design.design import NetworkDesign, optimise_network
from tasks.network_design.inputs import network_inputs
from tasks.network_design.instance import build_instance
from tasks.network_design.report import design_solved, legs_table, summary_table
from tasks.network_design.track import log_sweep
from tasks.network_design.verify import check_design


@task(name=P.task("prepare-inputs"), cache_policy=NO_CACHE)
def prepare_network_stage(
    n_cities: int | None,
    cities_path: str | None,
    demand_path: str | None,
    total_passengers: int,
    gamma: float,
    city_set: str,
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    return network_inputs(n_cities, cities_path, demand_path, total_passengers, gamma, city_set, seed)


@task(name=P.task("optimise"), task_run_name=P.task("optimise") + "-threshold-{threshold}", cache_policy=NO_CACHE)
def optimise_network_stage(
    cities: pd.DataFrame,
    demand: pd.DataFrame,
    threshold: float,
    pax_cost_per_km: float,
    formulation: str,
    time_limit_s: float,
    mip_gap: float,
    seed: int,
) -> NetworkDesign:
    instance = build_instance(cities, demand, threshold, pax_cost_per_km)
    return optimise_network(instance, formulation, time_limit_s, mip_gap, seed)


@task(name=P.task("verify-design"), cache_policy=NO_CACHE)
def verify_network_stage(design: NetworkDesign) -> dict[str, float]:
    return check_design(design)


@task(name=P.task("publish"), cache_policy=NO_CACHE)
def publish_network_stage(settings: Settings, designs: list[NetworkDesign]) -> dict:
    """gold/network_legs and gold/network_summary; returns the two tables (``legs``, ``summary``), the
    published versions (``datasets``, results) and one :class:`DesignSolved` per threshold (``designs``)."""
    legs = pd.concat([legs_table(d) for d in designs], ignore_index=True)
    summary = summary_table(designs)
    lake = Lake.of(settings)
    datasets = [
        DatasetPublished.of(lake.publish_pandas(ds, df))
        for ds, df in ((GOLD_NETWORK_LEGS, legs), (GOLD_NETWORK_SUMMARY, summary))
    ]
    return {"legs": legs, "summary": summary, "datasets": datasets, "designs": [design_solved(d) for d in designs]}


@task(name=P.task("track"), cache_policy=NO_CACHE)
def track_network_stage(
    settings: Settings, designs: list[NetworkDesign], summary: pd.DataFrame, legs: pd.DataFrame, params: dict
) -> str:
    return log_sweep(settings, designs, summary, legs, params)


@task(name=P.task("report"), cache_policy=NO_CACHE)
def report_network_stage(summary: pd.DataFrame) -> str:
    """The summary table as the Prefect artifact ``network-summary``; returns its id."""
    table = summary.round(4).astype(object).where(summary.notna(), None).to_dict("records")
    return str(
        create_table_artifact(
            table=table, key="network-summary", description="Air network design: one row per threshold"
        )
    )
