"""Prefect tasks shared by every pipeline's scoring: thin shells around :mod:`tasks.common.score`.

Task names follow :mod:`smelter.naming` with ``common`` as the pipeline: ``common.<step>``.
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from smelter.catalog import GOLD_DEMAND_FEATURES, Dataset
from smelter.events import emit_gold_published
from smelter.registry import resolve
from smelter.results import DatasetPublished
from smelter.settings import Settings
from smelter.tracking import configure_mlflow
from tasks.common.score import published_summary, score_to_gold


@task(name="common.resolve-model", cache_policy=NO_CACHE)
def resolve_model_stage(settings: Settings, model_uri: str) -> str:
    """``models:/name@alias`` -> the pinned ``models:/name/version`` every later step uses."""
    configure_mlflow(settings)
    return resolve(model_uri).uri


@task(name="common.score-to-gold", cache_policy=NO_CACHE)
def score_to_gold_stage(
    settings: Settings,
    model_uri: str,
    output: Dataset,
    key_columns: list[str],
    input_path: str | None = None,
    default_input: Dataset = GOLD_DEMAND_FEATURES,
    mini_batch_size: int | None = None,
    max_concurrency: int | None = None,
    engine: str = "auto",
    params: dict | None = None,
) -> DatasetPublished:
    """Score and publish ``output``; the published version with model and engine in ``detail``. Batch size
    and concurrency default to ``settings.scoring``."""
    pub = score_to_gold(
        settings,
        model_uri,
        output,
        key_columns,
        input_path,
        default_input,
        mini_batch_size,
        max_concurrency,
        engine,
        params=params,
    )
    return published_summary(settings, pub)


@task(name="common.announce-gold", cache_policy=NO_CACHE)
def announce_gold_stage(published: DatasetPublished) -> bool:
    """Emit ``smelter.gold.published`` when ``published`` is a new version (scoring deployments follow it);
    returns whether it was new."""
    if published.new:
        emit_gold_published(published.dataset, published.version, published.rows)
    return published.new
