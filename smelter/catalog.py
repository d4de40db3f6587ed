"""The dataset catalog: the one place that knows every dataset and where it lives.

A :class:`Dataset` has a noun name, a layer (bronze, silver, gold), a description, its key
columns, the formats each version holds, its partition columns and a lazy reference to its
quality suite. Its folder is ``<data_root>/<layer>/<name>/``; :mod:`smelter.lake` manages the
versions inside it. Nothing else builds a path into the lake.

``storage`` says how versions are kept: ``"versions"`` (every version a full copy in its own
folder, :mod:`smelter.lake`; small snapshots, CSV exports) or ``"delta"`` (the folder is a Delta
table, :mod:`smelter.delta`; datasets that grow and are replaced partition by partition).

Inside a version's data folder a one-format dataset keeps its Parquet files directly; a
dataset with several formats keeps each as ``<name>.<format>`` (a file from pandas, a part
folder from Spark), see :meth:`Dataset.format_path`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Layer = Literal["landing", "bronze", "silver", "gold"]
FORMATS = ("parquet", "csv")
Storage = Literal["versions", "delta"]
STORAGES = ("versions", "delta")


class DatasetNotFoundError(FileNotFoundError):
    """The dataset has never been published (or the version asked for does not exist)."""


@dataclass(frozen=True)
class Dataset:
    """One dataset of the lake; ``suite`` is ``"module:function"``, imported only when asked for."""

    name: str
    layer: Layer
    description: str
    keys: tuple[str, ...] = ()
    formats: tuple[str, ...] = ("parquet",)
    partition_by: tuple[str, ...] = ()
    suite: str | None = None
    storage: Storage = "versions"

    def __post_init__(self) -> None:
        if (
            "parquet" not in self.formats
            or not set(self.formats) <= set(FORMATS)
            or len(set(self.formats)) != len(self.formats)
        ):
            raise ValueError(f"dataset {self.key}: formats {self.formats} must hold 'parquet' once, and only {FORMATS}")
        if self.partition_by and self.formats != ("parquet",):
            raise ValueError(f"dataset {self.key}: partition_by needs formats ('parquet',), not {self.formats}")
        if self.storage not in STORAGES:
            raise ValueError(f"dataset {self.key}: storage {self.storage!r} is not one of {STORAGES}")
        if self.storage == "delta" and self.formats != ("parquet",):
            raise ValueError(f"dataset {self.key}: a Delta table holds Parquet only, not formats {self.formats}")
        if self.suite is not None and not _is_reference(self.suite):
            raise ValueError(f"dataset {self.key}: suite {self.suite!r} is not 'module:function'")

    @property
    def key(self) -> str:
        """``"<layer>/<name>"``, e.g. ``"gold/demand_features"``."""
        return f"{self.layer}/{self.name}"

    def format_path(self, data: Path, fmt: str = "parquet") -> Path:
        """Where format ``fmt`` sits in the data folder ``data`` of a version: ``data`` itself for a
        one-format dataset, else ``data/<name>.<fmt>`` (a file, or a Spark part folder)."""
        if fmt not in self.formats:
            raise ValueError(f"dataset {self.key} has formats {self.formats}, not {fmt!r}")
        return Path(data) if len(self.formats) == 1 else Path(data) / f"{self.name}.{fmt}"

    def suite_builder(self) -> Callable[..., Any]:
        """The function ``suite`` names, imported now; a dataset without a suite is an error."""
        if self.suite is None:
            raise LookupError(f"dataset {self.key} has no quality suite")
        module, _, function = self.suite.partition(":")
        try:
            builder = getattr(importlib.import_module(module), function)
        except (ImportError, AttributeError) as err:
            raise LookupError(f"dataset {self.key}: cannot load its suite {self.suite}: {err}") from err
        if not callable(builder):
            raise LookupError(f"dataset {self.key}: suite {self.suite} is not callable")
        return builder

    def expectations(self, **kw: Any) -> Any:
        """The dataset's Great Expectations expectations: its suite builder called with ``kw``."""
        return self.suite_builder()(**kw)


def _is_reference(text: str) -> bool:
    module, sep, function = text.partition(":")
    return bool(sep) and function.isidentifier() and all(p.isidentifier() for p in module.split("."))


_DEMAND_SUITES = "tasks.demand_forecast.suites"

# demand forecast
BRONZE_DAILY_SALES = Dataset(
    "daily_sales",
    "bronze",
    "raw sales files as ingested (text), a partition per landing month (the month a file's name gives)",
    partition_by=("landing_month",),
    storage="delta",
)
BRONZE_STATE_POPULATION = Dataset("state_population", "bronze", "raw state population, one column per year")
SILVER_DAILY_SALES = Dataset(
    "daily_sales",
    "silver",
    "typed daily sales per store: date, state, store, units_sold",
    ("date", "state", "store"),
    partition_by=("year", "month"),
    suite=f"{_DEMAND_SUITES}:silver_sales",
    storage="delta",
)
SILVER_STORES = Dataset("stores", "silver", "every store seen and its state", ("store",))
SILVER_STATE_POPULATION = Dataset(
    "state_population",
    "silver",
    "population unpivoted: state, year, population",
    ("state", "year"),
    suite=f"{_DEMAND_SUITES}:silver_population",
)
GOLD_DEMAND_FEATURES = Dataset(
    "demand_features",
    "gold",
    "daily sales per state joined with population, features and split",
    ("date", "state"),
    partition_by=("year", "month"),
    suite=f"{_DEMAND_SUITES}:gold_features",
    storage="delta",
)
GOLD_DEMAND_PREDICTIONS = Dataset(
    "demand_predictions", "gold", "batch predictions of the demand forecaster", ("date", "state"), ("parquet", "csv")
)
# heart-disease risk
BRONZE_HEART_PATIENTS = Dataset("heart_patients", "bronze", "raw Heart Failure Prediction records, as ingested")
SILVER_HEART_PATIENTS = Dataset(
    "heart_patients",
    "silver",
    "typed, validated patient records",
    ("patient_id",),
    suite="tasks.heart_risk.suites:silver_patients",
)
GOLD_HEART_FEATURES = Dataset(
    "heart_features", "gold", "patient records with the stratified train/test split", ("patient_id",)
)
GOLD_HEART_PREDICTIONS = Dataset(
    "heart_predictions", "gold", "batch predictions of the heart-disease model", ("patient_id",), ("parquet", "csv")
)
# air network design
GOLD_NETWORK_LEGS = Dataset(
    "network_legs", "gold", "open legs and volumes per threshold", ("threshold", "origin", "destination")
)
GOLD_NETWORK_SUMMARY = Dataset(
    "network_summary", "gold", "one row per threshold: legs, costs, solve stats", ("threshold",)
)
# data profile
GOLD_PRINCIPAL_COMPONENTS = Dataset(
    "principal_components",
    "gold",
    "loadings, variance and convergence of each gold table's principal components",
    ("dataset", "component", "column"),
    suite="tasks.data_profile.suites:principal_components",
)
GOLD_DISTRIBUTION_FITS = Dataset(
    "distribution_fits",
    "gold",
    "maximum-likelihood fits per profiled column and family: parameters, standard errors, AIC, chosen",
    ("dataset", "column", "family"),
    suite="tasks.data_profile.suites:distribution_fits",
)
# causal effects (meta-learners)
BRONZE_CAUSAL_OBSERVATIONS = Dataset(
    "causal_observations", "bronze", "raw observations (treatment, outcome, features) as ingested (text)"
)
SILVER_CAUSAL_OBSERVATIONS = Dataset(
    "causal_observations",
    "silver",
    "typed observations: unit_id (line in the source), features, 0/1 treatment, outcome, true_effect if known",
    ("unit_id",),
    suite="tasks.causal_effects.suites:silver_observations",
)
GOLD_CAUSAL_EFFECTS = Dataset(
    "causal_effects",
    "gold",
    "estimated effect per row and learner: unit_id, learner, cate, true_effect (NaN when unknown)",
    ("unit_id", "learner"),
    suite="tasks.causal_effects.suites:gold_effects",
)

DATASETS: tuple[Dataset, ...] = (
    BRONZE_DAILY_SALES,
    BRONZE_STATE_POPULATION,
    SILVER_DAILY_SALES,
    SILVER_STORES,
    SILVER_STATE_POPULATION,
    GOLD_DEMAND_FEATURES,
    GOLD_DEMAND_PREDICTIONS,
    BRONZE_HEART_PATIENTS,
    SILVER_HEART_PATIENTS,
    GOLD_HEART_FEATURES,
    GOLD_HEART_PREDICTIONS,
    GOLD_NETWORK_LEGS,
    GOLD_NETWORK_SUMMARY,
    GOLD_PRINCIPAL_COMPONENTS,
    GOLD_DISTRIBUTION_FITS,
    BRONZE_CAUSAL_OBSERVATIONS,
    SILVER_CAUSAL_OBSERVATIONS,
    GOLD_CAUSAL_EFFECTS,
)
CATALOG: dict[tuple[str, str], Dataset] = {(d.layer, d.name): d for d in DATASETS}


def spec(layer: str, name: str) -> Dataset:
    """Look up a dataset; unknown names are a clear error listing what exists."""
    try:
        return CATALOG[(layer, name)]
    except KeyError:
        known = ", ".join(f"{lay}/{nm}" for lay, nm in sorted(CATALOG))
        raise KeyError(f"unknown dataset {layer}/{name}; the catalog has: {known}") from None


def resolve(ref: Dataset | str) -> Dataset:
    """A catalog dataset from itself or its key ``"layer/name"``; a dataset the catalog does not
    hold (or holds differently) is an error."""
    if isinstance(ref, str):
        layer, sep, name = ref.partition("/")
        if not sep:
            raise KeyError(f"dataset key {ref!r} is not 'layer/name'")
        return spec(layer, name)
    known = spec(ref.layer, ref.name)
    if known != ref:
        raise KeyError(f"dataset {ref.key} differs from the catalog's entry: {ref} vs {known}")
    return known


def dataset_dir(data_root: Path, layer: str, name: str) -> Path:
    """``<data_root>/<layer>/<name>``: the folder holding every version of a dataset."""
    s = spec(layer, name)
    return Path(data_root) / s.layer / s.name


def landing_dir(data_root: Path) -> Path:
    """``<data_root>/landing``: where raw files arrive before ingest (generated defaults go here)."""
    return Path(data_root) / "landing"
