"""Data profile: principal components of the gold feature tables (power iteration in PyTorch) and
maximum-likelihood distribution fits of chosen silver and gold columns, chosen by AIC.

Outputs: gold/principal_components and gold/distribution_fits (behind their quality gates), one MLflow run
each in the experiment ``data-profile`` (metrics, tables, figures), the Prefect markdown artifacts
``data-profile-pca`` and ``data-profile-fits`` (tables with the figures embedded).

Flows (names from :mod:`smelter.naming`): ``data-profile-pca``, ``data-profile-fits`` and ``data-profile``
(both). Columns are ``[layer/name:]column[=kind]``. Ad hoc::

    python -m flows.data_profile pca --color-by gold/heart_features:Sex --components 4
    python -m flows.data_profile fits --columns gold/heart_features:Cholesterol=gamma,gold/demand_features:units_sold
"""

from __future__ import annotations

from smelter.artifacts import publish_run_summary
from smelter.hooks import pipeline_flow
from smelter.naming import DATA_PROFILE as P
from smelter.settings import load_settings
from tasks.data_profile.pca import PowerIteration
from tasks.data_profile.schema import fit_plan, pca_plan
from tasks.data_profile.stages import (
    find_components_stage,
    fit_distributions_stage,
    publish_components_stage,
    publish_fits_stage,
    report_components_stage,
    report_fits_stage,
    track_components_stage,
    track_fits_stage,
)


@pipeline_flow(P, "pca", timeout_seconds=3600)
def data_profile_pca(
    tables: list[str] | None = None,
    columns: list[str] | None = None,
    color_by: list[str] | None = None,
    components: int | None = None,
    tol: float = 1e-8,
    max_iter: int = 5_000,
    seed: int | None = None,
    drop_constant: bool = False,
) -> dict:
    """Principal components of each table (default gold/demand_features and gold/heart_features, their default
    columns standardised; ``columns`` replaces a table's columns, ``color_by`` its projection's colour).
    A constant column is an error naming it, unless ``drop_constant`` (then dropped with a warning)."""
    settings = load_settings()
    config = PowerIteration(components, tol, max_iter, settings.seed if seed is None else seed)
    profiles = [
        find_components_stage(settings, plan, config, drop_constant) for plan in pca_plan(tables, columns, color_by)
    ]
    gold = publish_components_stage(settings, profiles)
    run_id = track_components_stage(settings, profiles, config, drop_constant)
    report_components_stage(profiles)
    unconverged = sum(p.components.unconverged for p in profiles)
    return publish_run_summary({"gold": gold, "run_id": run_id, "pca_unconverged_components": unconverged})


@pipeline_flow(P, "fits", timeout_seconds=3600)
def data_profile_fits(columns: list[str] | None = None) -> dict:
    """Fit the candidate families of each column's kind by maximum likelihood and choose by AIC (default:
    demand units_sold as counts, state population, heart age, cholesterol and max heart rate as positive)."""
    settings = load_settings()
    fitted = fit_distributions_stage(settings, fit_plan(columns))
    gold = publish_fits_stage(settings, fitted)
    run_id = track_fits_stage(settings, fitted)
    report_fits_stage(fitted)
    chosen = {f"{c.dataset}:{c.column}": c.best.family for c in fitted}
    return publish_run_summary({"gold": gold, "run_id": run_id, "chosen": chosen})


@pipeline_flow(P, timeout_seconds=2 * 3600)
def data_profile(
    tables: list[str] | None = None, color_by: list[str] | None = None, fit_columns: list[str] | None = None
) -> dict:
    """Both profiles on their defaults: principal components of the gold tables, then the distribution fits."""
    pca = data_profile_pca(tables=tables, color_by=color_by)
    fits = data_profile_fits(columns=fit_columns)
    return publish_run_summary({"pca": pca, "fits": fits})


if __name__ == "__main__":
    from smelter.cli import run_flow_cli

    run_flow_cli(data_profile, {"pca": data_profile_pca, "fits": data_profile_fits})
