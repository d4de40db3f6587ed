"""Re-register the champions of the old layout in the new, self-contained form (one-off migration).

Before the one-house layout the registry held ``icecream-demand`` (an sklearn pipeline pickled by
reference to ``tasks.forecast.model``) and ``heart-disease-bayes`` (a pyfunc pickled by reference to
``tasks.heart.pyfunc``): neither loads without that old package layout. For each old model this
loads its ``@champion`` with the old module names pointed at the new modules, wraps it in the new
form (the demand model also gets the population table from the lake's silver/state_population, or
the table the project carries) and logs it with its own code, in a run of the new experiment that
keeps the old run's metrics and says where it came from (tag ``migrated_from``); then registers it
under the new name with the champion rule. Running it again does nothing for a version already
migrated. The old registered models are left as they were::

    python -m scripts.migrate_models            # on the configured store (smelter.toml / SMELTER_*)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd

from smelter.naming import DEMAND_FORECAST, HEART_RISK, Pipeline
from smelter.settings import Settings

# old module name -> new module name (the packages first, so submodule imports resolve)
OLD_MODULES = {
    "tasks.forecast": "tasks.demand_forecast",
    "tasks.forecast.model": "tasks.demand_forecast.model",
    "tasks.forecast.features": "tasks.demand_forecast.schema",
    "tasks.heart": "tasks.heart_risk",
    "tasks.heart.pyfunc": "tasks.heart_risk.model",
    "tasks.heart.preprocess": "tasks.heart_risk.preprocess",
    "tasks.heart.predictive": "tasks.heart_risk.predictive",
    "tasks.heart.schema": "tasks.heart_risk.schema",
}


@dataclass(frozen=True)
class Migration:
    old_name: str
    pipeline: Pipeline
    metric: str
    higher_is_better: bool


MIGRATIONS = (
    Migration("icecream-demand", DEMAND_FORECAST, "test_rmse", False),
    Migration("heart-disease-bayes", HEART_RISK, "test_roc_auc", True),
)


@contextmanager
def old_module_names() -> Iterator[None]:
    """While open, ``import tasks.forecast.model`` (and the other old names) gives the new module."""
    import importlib

    added = [old for old in OLD_MODULES if old not in sys.modules]
    for old, new in OLD_MODULES.items():
        sys.modules.setdefault(old, importlib.import_module(new))
    try:
        yield
    finally:
        for old in added:
            sys.modules.pop(old, None)


def population_for_demand(settings: Settings) -> dict[str, dict[int, int]]:
    """The lake's silver/state_population as the model's table; the carried figures if never published."""
    from smelter import lake
    from smelter.catalog import SILVER_STATE_POPULATION
    from tasks.demand_forecast.model import population_table
    from tasks.demand_forecast.sources import default_population

    try:
        rows = lake.Lake.of(settings).read_pandas(SILVER_STATE_POPULATION)
    except lake.DatasetNotFoundError:
        wide = default_population()
        rows = wide.melt(id_vars="State", var_name="year", value_name="population").rename(columns={"State": "state"})
    return population_table(rows.astype({"year": int, "population": int}))


def demand_new_form(old_uri: str, settings: Settings) -> Callable[[], object]:
    """A function that logs the old demand pipeline in the new form (inside an active run)."""
    import mlflow

    from tasks.demand_forecast.model import DemandModel
    from tasks.demand_forecast.train import log_model

    with old_module_names():
        pipeline = mlflow.sklearn.load_model(old_uri)
    model = DemandModel(pipeline, population_for_demand(settings))
    state = model.states[0]
    example = pd.DataFrame({"date": ["2022-07-04", "2022-07-05"], "state": [state, state]})
    return lambda: log_model(model, example)


def heart_new_form(old_uri: str, settings: Settings) -> Callable[[], object]:
    """A function that logs the old heart pyfunc in the new form (inside an active run)."""
    import mlflow

    from tasks.heart_risk.evaluate import log_heart_model
    from tasks.heart_risk.schema import FEATURES

    with old_module_names():
        model = mlflow.pyfunc.load_model(old_uri).unwrap_python_model()
    example = mlflow.models.Model.load(old_uri).load_input_example(mlflow.artifacts.download_artifacts(old_uri))
    return lambda: log_heart_model(model, pd.DataFrame(example)[list(FEATURES)])


NEW_FORM = {"icecream-demand": demand_new_form, "heart-disease-bayes": heart_new_form}


def migrate_one(migration: Migration, settings: Settings) -> str:
    """Migrate the old model's champion; returns what happened, in one line."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    from smelter.registry import register_and_promote
    from smelter.tracking import experiment_id

    client = MlflowClient()
    try:
        old = client.get_model_version_by_alias(migration.old_name, "champion")
    except MlflowException:
        return f"{migration.old_name}: no @champion in this registry, nothing to migrate"
    source = f"{migration.old_name}/{old.version}"
    new_name = migration.pipeline.model_name
    done = client.search_runs(
        [experiment_id(settings, migration.pipeline.experiment)], f"tags.migrated_from = '{source}'"
    )
    if done and client.search_model_versions(f"name='{new_name}' and run_id='{done[0].info.run_id}'"):
        return f"{source}: already migrated (run {done[0].info.run_id})"
    log = NEW_FORM[migration.old_name](f"models:/{migration.old_name}/{old.version}", settings)
    metrics = client.get_run(old.run_id).data.metrics if old.run_id else {}
    if migration.metric not in metrics:
        return f"{source}: its run has no {migration.metric}, so the champion rule cannot judge it; skipped"
    with mlflow.start_run(
        experiment_id=experiment_id(settings, migration.pipeline.experiment),
        run_name=f"migrated-{migration.old_name}-v{old.version}",
    ) as run:
        mlflow.set_tags({"migrated_from": source, "migrated_from_run": old.run_id or ""})
        mlflow.log_metrics(metrics)
        log()
    decision = register_and_promote(
        f"runs:/{run.info.run_id}/model",
        new_name,
        migration.metric,
        metrics[migration.metric],
        migration.higher_is_better,
        run.info.run_id,
    )
    return f"{source} -> {new_name} v{decision.version}: {decision.reason}"


def migrate(settings: Settings) -> list[str]:
    """Every migration in :data:`MIGRATIONS`, on the store ``settings`` point at."""
    from smelter.tracking import configure_mlflow

    configure_mlflow(settings)
    return [migrate_one(m, settings) for m in MIGRATIONS]


def main(argv: list[str] | None = None) -> None:
    from smelter.settings import load_settings

    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    for line in migrate(load_settings()):
        print(line)


if __name__ == "__main__":
    main()
