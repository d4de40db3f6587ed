"""Thin Prefect task shells around the network-design functions."""
from __future__ import annotations

import pandas as pd
from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from smelter import lake
from smelter.settings import Settings
from tasks.network.checks import check_design
from tasks.network.design import NetworkDesign, design_network
from tasks.network.inputs import network_inputs
from tasks.network.instance import build_instance
from tasks.network.report import legs_table, summary_table
from tasks.network.track import log_sweep


@task(name="prepare-network", cache_policy=NO_CACHE)
def prepare_network_task(n_cities: int | None, cities_path: str | None, demand_path: str | None,
                         total_passengers: int, gamma: float, city_set: str,
                         seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    return network_inputs(n_cities, cities_path, demand_path, total_passengers, gamma, city_set, seed)


@task(name="design-network", task_run_name="design-network-threshold-{threshold}", cache_policy=NO_CACHE)
def design_network_task(cities: pd.DataFrame, demand: pd.DataFrame, threshold: float,
                        pax_cost_per_km: float, formulation: str, time_limit_s: float,
                        mip_gap: float, seed: int) -> NetworkDesign:
    instance = build_instance(cities, demand, threshold, pax_cost_per_km)
    return design_network(instance, formulation, time_limit_s, mip_gap, seed)


@task(name="check-network", cache_policy=NO_CACHE)
def check_network_task(design: NetworkDesign) -> dict[str, float]:
    return check_design(design)


@task(name="publish-network", cache_policy=NO_CACHE)
def publish_network_task(settings: Settings, designs: list[NetworkDesign]) -> dict:
    """gold/network_legs and gold/network_summary; returns their versions and the two tables."""
    legs = pd.concat([legs_table(d) for d in designs], ignore_index=True)
    summary = summary_table(designs)
    keep = settings.lake.keep_versions
    versions = {name: lake.publish_pandas(df, settings.data_root, "gold", name,
                                          keep_versions=keep).version
                for name, df in (("network_legs", legs), ("network_summary", summary))}
    return {"versions": versions, "legs": legs, "summary": summary}


@task(name="track-network", cache_policy=NO_CACHE)
def track_network_task(settings: Settings, designs: list[NetworkDesign], summary: pd.DataFrame,
                       legs: pd.DataFrame, params: dict) -> str:
    return log_sweep(settings, designs, summary, legs, params)


@task(name="report-network", cache_policy=NO_CACHE)
def report_network_task(summary: pd.DataFrame) -> str:
    """The summary table as the Prefect artifact ``network-summary``; returns its id."""
    table = summary.round(4).astype(object).where(summary.notna(), None).to_dict("records")
    return str(create_table_artifact(table=table, key="network-summary",
                                     description="Air network design: one row per threshold"))
