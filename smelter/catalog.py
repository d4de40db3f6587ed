"""The dataset catalog: the one place that knows where every dataset lives.

A dataset has a noun name, a layer (bronze, silver, gold) and a description.
Its folder is ``<data_root>/<layer>/<name>/``; :mod:`smelter.lake` manages the
versions inside it. Nothing else builds a path into the lake.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Layer = Literal["landing", "bronze", "silver", "gold"]


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    layer: Layer
    description: str
    keys: tuple[str, ...] = ()


_SPECS = [
    # demand forecast
    DatasetSpec("daily_sales", "bronze", "raw daily ice-cream sales per state, as ingested", ()),
    DatasetSpec("state_population", "bronze", "raw state population, one column per year", ()),
    DatasetSpec("daily_sales", "silver", "typed daily sales: date, state, units_sold", ("date", "state")),
    DatasetSpec("state_population", "silver", "population unpivoted: state, year, population", ("state", "year")),
    DatasetSpec("demand_features", "gold", "daily sales joined with population, features and split", ("date", "state")),
    DatasetSpec("demand_predictions", "gold", "batch predictions of the demand forecaster", ()),
    # heart-disease risk
    DatasetSpec("heart_patients", "bronze", "raw Heart Failure Prediction records, as ingested", ()),
    DatasetSpec("heart_patients", "silver", "typed, validated patient records", ()),
    DatasetSpec("heart_features", "gold", "patient records with the stratified train/test split", ()),
    DatasetSpec("heart_predictions", "gold", "batch predictions of the heart-disease model", ()),
    # air network design
    DatasetSpec("network_legs", "gold", "open legs and volumes per threshold", ()),
    DatasetSpec("network_summary", "gold", "one row per threshold: legs, costs, solve stats", ()),
]
CATALOG: dict[tuple[str, str], DatasetSpec] = {(s.layer, s.name): s for s in _SPECS}


def spec(layer: str, name: str) -> DatasetSpec:
    """Look up a dataset; unknown names are a clear error listing what exists."""
    try:
        return CATALOG[(layer, name)]
    except KeyError:
        known = ", ".join(f"{lay}/{nm}" for lay, nm in sorted(CATALOG))
        raise KeyError(f"unknown dataset {layer}/{name}; the catalog has: {known}") from None


def dataset_dir(data_root: Path, layer: str, name: str) -> Path:
    """``<data_root>/<layer>/<name>``: the folder holding every version of a dataset."""
    s = spec(layer, name)
    return Path(data_root) / s.layer / s.name


def landing_dir(data_root: Path) -> Path:
    """``<data_root>/landing``: where raw files arrive before ingest (generated defaults go here)."""
    return Path(data_root) / "landing"
