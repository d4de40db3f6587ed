"""Every pipeline, end to end, on the embedded defaults: what ``make run`` runs.

Ad hoc: ``python -m flows.main --no-heart`` runs all but the heart-disease pipeline.
"""

from __future__ import annotations

from prefect import flow

from flows.causal_effects import causal_effects
from flows.data_profile import data_profile
from flows.demand_forecast import demand_forecast
from flows.heart_risk import heart_risk
from flows.network_design import network_design
from smelter.artifacts import publish_run_summary
from smelter.hooks import notify_failure, run_name


@flow(name="smelter", flow_run_name=run_name("smelter"), log_prints=True, on_failure=[notify_failure])
def run_all(
    demand: bool = True, heart: bool = True, network: bool = True, causal: bool = True, profile: bool = True
) -> dict:
    """Demand forecast (refine, train, score), heart-disease risk (train, score), network design, causal effects
    (the store simulation, 2,000 rows, AIPW intervals, 30 bootstrap replicates for the naive difference), then the data profile of the gold tables
    (needs gold/demand_features and gold/heart_features)."""
    results: dict = {}
    if demand:
        results["demand"] = demand_forecast()
    if heart:
        results["heart"] = heart_risk()
    if network:
        results["network"] = network_design()
    if causal:
        results["causal"] = causal_effects(n_bootstrap=30)
    if profile:
        results["profile"] = data_profile()
    return publish_run_summary(results)


if __name__ == "__main__":
    from smelter.cli import run_flow_cli

    run_flow_cli(run_all)
