"""Log a threshold sweep to MLflow: parameters, per-threshold metrics, tables and figures."""

from __future__ import annotations

import pandas as pd

from smelter.naming import NETWORK_DESIGN as P
from smelter.settings import Settings
from smelter.tracking import experiment_id
from tasks.network_design import plots
from tasks.network_design.design import NetworkDesign

EXPERIMENT = P.experiment
METRICS = [
    "open_legs",
    "total_volume",
    "direct_share",
    "passenger_cost",
    "minimum_cost_topup",
    "total_cost",
    "bound",
    "gap",
    "solve_seconds",
]


def sweep_metrics(summary: pd.DataFrame) -> dict[str, float]:
    """``threshold_<t>/<metric>`` for each summary row and metric, plus the worst gap."""
    metrics = {
        f"threshold_{row.threshold:g}/{name}": float(getattr(row, name))
        for row in summary.itertuples()
        for name in METRICS
    }
    metrics["max_gap"] = float(summary["gap"].max())
    metrics["limits_hit"] = float(summary["hit_limit"].sum())
    return metrics


def log_sweep(
    settings: Settings, designs: list[NetworkDesign], summary: pd.DataFrame, legs: pd.DataFrame, params: dict
) -> str:
    """One MLflow run for the sweep; returns its run id."""
    import mlflow

    with mlflow.start_run(
        experiment_id=experiment_id(settings, EXPERIMENT),
        run_name=f"network-{params['formulation']}-n{params['n_cities']}",
    ) as run:
        mlflow.log_params(params)
        mlflow.log_metrics(sweep_metrics(summary))
        mlflow.log_table(summary, "network_summary.json")
        mlflow.log_table(legs, "network_legs.json")
        for design in designs:
            mlflow.log_figure(
                plots.network_map_figure(design), f"plots/network_map_threshold_{design.instance.threshold:g}.png"
            )
        mlflow.log_figure(plots.volume_distribution_figure(legs), "plots/volume_distribution.png")
    return run.info.run_id
