"""Model URIs of the registry: parsing and references, no MLflow store (the store's tests: tests/model)."""

import pytest

from smelter.registry import ModelRef, champion_uri, parse_model_uri


def test_parse_model_uri_round_trips_alias_and_version():
    by_alias = parse_model_uri("models:/demand-forecast@champion")
    assert by_alias == ModelRef("demand-forecast", alias="champion")
    assert by_alias.uri == "models:/demand-forecast@champion" == champion_uri("demand-forecast")
    by_version = parse_model_uri("models:/demand-forecast/12")
    assert by_version == ModelRef("demand-forecast", version="12") == by_alias.pinned(12)
    assert by_version.uri == "models:/demand-forecast/12"


@pytest.mark.parametrize(
    "bad", ["runs:/abc/model", "models:/x", "models:/x@a/1", "models:/x/v1", "models:/@a", "/tmp/model", "models:/x@"]
)
def test_parse_model_uri_rejects_anything_else(bad):
    with pytest.raises(ValueError, match="must name a registered model"):
        parse_model_uri(bad)


def test_model_ref_needs_exactly_one_of_alias_and_version():
    for alias, version in [(None, None), ("champion", "3")]:
        with pytest.raises(ValueError, match="an alias or a version"):
            ModelRef("m", alias, version)
