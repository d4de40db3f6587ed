import sys
import types

import pytest

from smelter import catalog
from smelter.catalog import Dataset


def test_every_dataset_has_a_unique_layer_and_name():
    keys = [(d.layer, d.name) for d in catalog.DATASETS]
    assert len(keys) == len(set(keys)) == len(catalog.CATALOG)
    assert all(catalog.spec(d.layer, d.name) is d for d in catalog.DATASETS)


def test_every_dataset_has_a_constant_named_layer_and_name():
    constants = {k: v for k, v in vars(catalog).items() if isinstance(v, Dataset)}
    assert constants == {f"{d.layer}_{d.name}".upper(): d for d in catalog.DATASETS}


@pytest.mark.parametrize("ds", [d for d in catalog.DATASETS if d.layer in ("silver", "gold")], ids=lambda d: d.key)
def test_silver_and_gold_datasets_have_keys(ds):
    assert ds.keys and all(isinstance(k, str) and k for k in ds.keys)


def test_suite_references_have_module_function_form():
    suites = [d.suite for d in catalog.DATASETS if d.suite is not None]
    assert suites  # the silver and gold gates have one
    for ref in suites:
        module, sep, function = ref.partition(":")
        assert sep and module.startswith("tasks.") and function.isidentifier(), ref
    assert catalog.GOLD_DEMAND_FEATURES.suite == "tasks.demand_forecast.suites:gold_features"
    assert catalog.GOLD_DEMAND_PREDICTIONS.suite is None


def test_suite_resolves_lazily_and_passes_arguments(monkeypatch):
    fake = types.ModuleType("fake_suites")
    fake.gold = lambda states: [f"expect {s}" for s in states]
    ds = Dataset("x", "gold", "test", ("k",), suite="fake_suites:gold")  # built before the module exists
    monkeypatch.setitem(sys.modules, "fake_suites", fake)
    assert ds.suite_builder() is fake.gold
    assert ds.expectations(states=["Ohio"]) == ["expect Ohio"]


def test_missing_suites_are_clear_errors(monkeypatch):
    monkeypatch.setitem(sys.modules, "fake_suites", types.ModuleType("fake_suites"))
    with pytest.raises(LookupError, match="gold/x: cannot load its suite fake_suites:nope"):
        Dataset("x", "gold", "test", suite="fake_suites:nope").expectations()
    with pytest.raises(LookupError, match="cannot load its suite no_such_module_here:f"):
        Dataset("x", "gold", "test", suite="no_such_module_here:f").suite_builder()
    with pytest.raises(LookupError, match="gold/demand_predictions has no quality suite"):
        catalog.GOLD_DEMAND_PREDICTIONS.expectations()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"formats": ("csv",)}, "must hold 'parquet'"),
        ({"formats": ("parquet", "json")}, "must hold 'parquet'"),
        ({"formats": ("parquet", "csv"), "partition_by": ("k",)}, "partition_by needs formats"),
        ({"suite": "tasks.suites.gold"}, "is not 'module:function'"),
    ],
)
def test_inconsistent_datasets_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Dataset("x", "gold", "test", **kwargs)


def test_key_format_paths_and_resolve(tmp_path):
    preds = catalog.GOLD_DEMAND_PREDICTIONS
    assert preds.key == "gold/demand_predictions"
    assert preds.format_path(tmp_path, "csv") == tmp_path / "demand_predictions.csv"
    assert catalog.GOLD_DEMAND_FEATURES.format_path(tmp_path) == tmp_path
    with pytest.raises(ValueError, match="not 'csv'"):
        catalog.GOLD_DEMAND_FEATURES.format_path(tmp_path, "csv")
    assert catalog.resolve("gold/demand_predictions") is preds
    assert catalog.resolve(preds) is preds
    with pytest.raises(KeyError, match="unknown dataset gold/nope"):
        catalog.resolve("gold/nope")
    with pytest.raises(KeyError, match="not 'layer/name'"):
        catalog.resolve("demand_predictions")
    with pytest.raises(KeyError, match="differs from the catalog"):
        catalog.resolve(Dataset("demand_predictions", "gold", "other"))


def test_dataset_dir_and_landing_dir(tmp_path):
    assert catalog.dataset_dir(tmp_path, "silver", "daily_sales") == tmp_path / "silver" / "daily_sales"
    assert catalog.landing_dir(tmp_path) == tmp_path / "landing"
