"""End to end: the network-design flow under a real Prefect API and MLflow store, in tmp_path."""

from __future__ import annotations

import numpy as np

from smelter.catalog import GOLD_NETWORK_LEGS, GOLD_NETWORK_SUMMARY
from smelter.lake import Lake

THRESHOLDS = [0.0, 50.0, 500.0]


def test_design_network_publishes_gold_logs_mlflow_and_reports(flow_settings):
    from mlflow import MlflowClient
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.network_design import network_design

    result = network_design(thresholds=THRESHOLDS, n_cities=5, city_set="random", seed=3, time_limit_s=20, mip_gap=1e-6)

    lake = Lake.of(flow_settings)
    summary = lake.read_pandas(GOLD_NETWORK_SUMMARY)
    legs = lake.read_pandas(GOLD_NETWORK_LEGS)
    assert summary["threshold"].tolist() == THRESHOLDS
    # price-and-branch proves optimality at threshold 0; above, within its gap to the LP bound
    assert summary["status"].iloc[0] == "optimal" and "time_limit" not in set(summary["status"])
    assert (summary["bound"] <= summary["objective"] * (1 + 1e-9)).all()
    assert summary["open_legs"].is_monotonic_decreasing and summary["open_legs"].iloc[0] == 10
    np.testing.assert_allclose(summary["total_cost"], summary["objective"], rtol=1e-6)
    direct = legs[legs["threshold"] == 0.0]
    np.testing.assert_allclose(direct["volume"], direct["direct_demand"], atol=1e-6)
    assert all(r["undelivered"] < 1e-6 and r["extra_components"] == 0 for r in result["checks"])
    assert [d.scenario["threshold"] for d in result["designs"]] == THRESHOLDS
    assert [d.status for d in result["designs"]] == summary["status"].tolist()
    assert {d.dataset: d.version for d in result["datasets"]} == {
        "gold/network_summary": lake.current_version(GOLD_NETWORK_SUMMARY),
        "gold/network_legs": lake.current_version(GOLD_NETWORK_LEGS),
    }

    run = MlflowClient().get_run(result["run_id"])
    assert run.data.params["formulation"] == "paths"
    assert run.data.metrics["threshold_0/open_legs"] == 10 and "threshold_500/gap" in run.data.metrics
    artifacts = {a.path for a in MlflowClient().list_artifacts(result["run_id"], "plots")}
    assert {
        "plots/network_map_threshold_0.png",
        "plots/network_map_threshold_500.png",
        "plots/volume_distribution.png",
    } <= artifacts

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["network-summary"])))
    assert found and found[0].type == "table" and "open_legs" in str(found[0].data)
