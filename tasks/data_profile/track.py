"""Log a profile to MLflow (experiment ``data-profile``): parameters, metrics, the tables and the figures."""

from __future__ import annotations

from typing import Any

from smelter.naming import DATA_PROFILE as P
from smelter.settings import Settings
from smelter.tracking import experiment_id
from tasks.data_profile import plots
from tasks.data_profile.pca import PowerIteration
from tasks.data_profile.profile import ColumnFits, TableComponents
from tasks.data_profile.report import components_metrics, components_table, figure_name, fits_metrics, fits_table


def components_figures(profiles: list[TableComponents]) -> dict[str, Any]:
    """``{figure name: Figure}``: a scree plot and a projection per table."""
    figures = {}
    for p in profiles:
        figures[figure_name("scree", p.dataset)] = plots.scree_figure(p)
        figures[figure_name("projection", p.dataset)] = plots.projection_figure(p)
    return figures


def fits_figures(columns: list[ColumnFits]) -> dict[str, Any]:
    """``{figure name: Figure}``: the fitted-vs-empirical figure per column."""
    return {figure_name("fit", c.dataset, c.column): plots.fit_figure(c) for c in columns}


def components_params(profiles: list[TableComponents], config: PowerIteration, drop_constant: bool) -> dict:
    params: dict[str, Any] = {
        "components": config.components,
        "tol": config.tol,
        "max_iter": config.max_iter,
        "seed": config.seed,
        "drop_constant": drop_constant,
    }
    for p in profiles:
        params[f"{p.dataset}/version"] = p.version
        params[f"{p.dataset}/columns"] = ",".join(p.columns)
        params[f"{p.dataset}/color_by"] = p.color_by
    return params


def log_components(
    settings: Settings, profiles: list[TableComponents], config: PowerIteration, drop_constant: bool
) -> str:
    """One MLflow run for the tables' PCA; returns its run id."""
    import mlflow

    with mlflow.start_run(experiment_id=experiment_id(settings, P.experiment), run_name="pca") as run:
        mlflow.log_params(components_params(profiles, config, drop_constant))
        mlflow.log_metrics(components_metrics(profiles))
        mlflow.log_table(components_table(profiles), "principal_components.json")
        for name, fig in components_figures(profiles).items():
            mlflow.log_figure(fig, f"plots/{name}.png")
    return run.info.run_id


def log_fits(settings: Settings, columns: list[ColumnFits]) -> str:
    """One MLflow run for the columns' fits; returns its run id."""
    import mlflow

    params = {f"{c.dataset}/{c.column}/family": c.best.family for c in columns}
    params |= {f"{c.dataset}/version": c.version for c in columns}
    with mlflow.start_run(experiment_id=experiment_id(settings, P.experiment), run_name="fits") as run:
        mlflow.log_params(params)
        mlflow.log_metrics(fits_metrics(columns))
        mlflow.log_table(fits_table(columns), "distribution_fits.json")
        for name, fig in fits_figures(columns).items():
            mlflow.log_figure(fig, f"plots/{name}.png")
    return run.info.run_id
