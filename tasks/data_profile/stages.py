"""The data-profile pipeline's Prefect tasks: thin shells that read, call a plain function, gate, publish.

Task names follow :mod:`smelter.naming`: ``data-profile.<step>``. Every table or column is profiled
before anything is published, so bad input (a constant column, a negative value for a positive-only
family) fails the run with nothing published.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from smelter.catalog import GOLD_DISTRIBUTION_FITS, GOLD_PRINCIPAL_COMPONENTS, resolve
from smelter.lake import Lake
from smelter.naming import DATA_PROFILE as P
from smelter.results import DatasetPublished
from smelter.settings import Settings
from smelter.tracking import configure_mlflow
from tasks.data_profile.pca import PowerIteration
from tasks.data_profile.plots import png
from tasks.data_profile.profile import ColumnFits, TableComponents, profile_column, profile_components
from tasks.data_profile.report import components_markdown, components_table, fits_markdown, fits_table
from tasks.data_profile.schema import ColumnRef, TablePlan
from tasks.data_profile.suites import check_gold
from tasks.data_profile.track import components_figures, fits_figures, log_components, log_fits


@task(
    name=P.task("find-components"), task_run_name=P.task("find-components") + "-{plan.dataset}", cache_policy=NO_CACHE
)
def find_components_stage(
    settings: Settings, plan: TablePlan, config: PowerIteration, drop_constant: bool = False
) -> TableComponents:
    """The current version of ``plan.dataset`` -> its principal components."""
    lake = Lake.of(settings)
    version = lake.current_version(plan.dataset)
    return profile_components(lake.read_pandas(plan.dataset, version), plan, version, config, drop_constant)


@task(name=P.task("fit-distributions"), cache_policy=NO_CACHE)
def fit_distributions_stage(settings: Settings, refs: list[ColumnRef]) -> list[ColumnFits]:
    """Each column's candidate families fitted, each dataset read once (its current version)."""
    lake = Lake.of(settings)
    frames = {}
    for key in dict.fromkeys(r.dataset for r in refs if r.dataset):
        version = lake.current_version(key)
        frames[key] = (lake.read_pandas(key, version), version)
    return [
        profile_column(frames[r.dataset][0], r, frames[r.dataset][1], resolve(r.dataset).keys)
        for r in refs
        if r.dataset
    ]


@task(name=P.task("publish-components"), cache_policy=NO_CACHE)
def publish_components_stage(settings: Settings, profiles: list[TableComponents]) -> DatasetPublished:
    """gold/principal_components behind its quality gate."""
    table = components_table(profiles)
    quality = check_gold(table, GOLD_PRINCIPAL_COMPONENTS.key, ", ".join(p.dataset for p in profiles))
    published = Lake.of(settings).publish_pandas(GOLD_PRINCIPAL_COMPONENTS, table, {"quality": quality})
    return DatasetPublished.of(published, quality=quality["summary"])


@task(name=P.task("publish-fits"), cache_policy=NO_CACHE)
def publish_fits_stage(settings: Settings, columns: list[ColumnFits]) -> DatasetPublished:
    """gold/distribution_fits behind its quality gate."""
    table = fits_table(columns)
    quality = check_gold(table, GOLD_DISTRIBUTION_FITS.key, ", ".join(dict.fromkeys(c.dataset for c in columns)))
    published = Lake.of(settings).publish_pandas(GOLD_DISTRIBUTION_FITS, table, {"quality": quality})
    return DatasetPublished.of(published, quality=quality["summary"])


@task(name=P.task("track-components"), cache_policy=NO_CACHE)
def track_components_stage(
    settings: Settings, profiles: list[TableComponents], config: PowerIteration, drop_constant: bool
) -> str:
    configure_mlflow(settings)
    return log_components(settings, profiles, config, drop_constant)


@task(name=P.task("track-fits"), cache_policy=NO_CACHE)
def track_fits_stage(settings: Settings, columns: list[ColumnFits]) -> str:
    configure_mlflow(settings)
    return log_fits(settings, columns)


def _markdown_artifact(key: str, description: str, markdown: str) -> str:
    return str(create_markdown_artifact(markdown=markdown, key=key, description=description))


def _pngs(figures: dict[str, Figure]) -> dict[str, bytes]:
    return {name: png(fig) for name, fig in figures.items()}


@task(name=P.task("report-components"), cache_policy=NO_CACHE)
def report_components_stage(profiles: list[TableComponents]) -> str:
    """The markdown artifact ``data-profile-pca``: per table its component table, scree plot and projection."""
    text = components_markdown(profiles, _pngs(components_figures(profiles)))
    return _markdown_artifact(P.flow("pca"), "Principal components of the gold tables (power iteration)", text)


@task(name=P.task("report-fits"), cache_policy=NO_CACHE)
def report_fits_stage(columns: list[ColumnFits]) -> str:
    """The markdown artifact ``data-profile-fits``: per column its AIC table and fitted-vs-empirical figure."""
    text = fits_markdown(columns, _pngs(fits_figures(columns)))
    return _markdown_artifact(P.flow("fits"), "Maximum-likelihood distribution fits, chosen by AIC", text)
