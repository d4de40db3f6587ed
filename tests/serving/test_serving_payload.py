"""Pure request handling: body formats, schema checks, keys, model URIs (no server, no model)."""

from __future__ import annotations

import pandas as pd
import pytest
from mlflow.types import ColSpec, Schema

from smelter.registry import ModelRef, input_columns, parse_model_uri
from smelter.serving.keys import bearer_ok, resolve_api_key
from smelter.serving.payload import RequestError, body_columns, parse_json
from smelter.serving.schema import typed_columns
from smelter.settings import ServingSettings

SCHEMA = Schema(
    [
        ColSpec("string", "state"),
        ColSpec("integer", "year"),
        ColSpec("double", "population"),
        ColSpec("boolean", "is_holiday"),
        ColSpec("datetime", "date"),
        ColSpec("double", "discount", required=False),
    ]
)
TYPES = input_columns(SCHEMA).types
ROW = ["Texas", 2021, 29_000_000, False, "2021-07-04"]
NAMES = ["state", "year", "population", "is_holiday", "date"]


def to_frame(columns: dict, types) -> pd.DataFrame:
    return pd.DataFrame(typed_columns(columns, types))


def refused(fn, *args) -> RequestError:
    with pytest.raises(RequestError) as err:
        fn(*args)
    return err.value


def test_aml_split_and_mlflow_formats_give_the_same_columns():
    split = {"columns": NAMES, "data": [ROW, ROW]}
    records = [dict(zip(NAMES, ROW, strict=False))] * 2
    expected = {n: [v, v] for n, v in zip(NAMES, ROW, strict=False)}
    for body in (
        {"input_data": split | {"index": [5, 6]}},
        {"input_data": records},
        {"dataframe_split": split},
        {"dataframe_records": records},
    ):
        assert body_columns(body, max_rows=10) == expected


def test_to_frame_casts_to_schema_dtypes_in_schema_order():
    frame = to_frame({n: [v] for n, v in reversed(list(zip(NAMES, ROW, strict=False)))}, TYPES)
    assert list(frame.columns) == NAMES
    assert [str(t) for t in frame.dtypes] == ["object", "int32", "float64", "bool", "datetime64[ns]"]
    assert frame.loc[0, "date"] == pd.Timestamp("2021-07-04")


def test_optional_column_may_have_gaps_required_may_not():
    cols = {n: [v, v] for n, v in zip(NAMES, ROW, strict=False)} | {"discount": [0.1, None]}
    assert to_frame(cols, TYPES)["discount"].isna().tolist() == [False, True]
    cols["state"] = ["Texas", None]
    assert refused(to_frame, cols, TYPES).message == "column 'state' expects string: row 1 has None (NoneType)"


def test_every_column_problem_is_named_in_one_422():
    cols = {"state": [1], "year": [2**31], "population": [True], "date": ["not a date"], "colour": ["red"]}
    err = refused(to_frame, cols, TYPES)
    assert err.status == 422
    for part in [
        "missing columns: is_holiday",
        "unexpected columns: colour",
        "column 'state' expects string: row 0 has 1 (int)",
        "column 'year' expects integer: row 0",
        "column 'population' expects double: row 0 has True (bool)",
        "column 'date' expects datetime",
    ]:
        assert part in err.message


def test_no_signature_means_columns_pass_unchecked():
    assert input_columns(None).types is None
    assert to_frame({"a": [1], "b": ["x"]}, None).shape == (1, 2)


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ("nope", 400, "keys input_data, dataframe_split, dataframe_records"),
        ({}, 400, "found: none"),
        ({"dataframe_split": {"columns": NAMES, "data": [ROW]}, "params": {}}, 400, "found: dataframe_split, params"),
        ({"dataframe_split": {"columns": NAMES, "data": [ROW], "dtypes": []}}, 400, "unexpected keys: dtypes"),
        ({"dataframe_split": {"columns": [1, 2], "data": [ROW]}}, 400, "list of column names"),
        ({"dataframe_split": {"columns": ["a", "a"], "data": [[1, 2]]}}, 422, "duplicate columns: a"),
        ({"dataframe_split": {"columns": NAMES, "data": "rows"}}, 400, "must hold a list of rows"),
        ({"dataframe_split": {"columns": NAMES, "data": [ROW, ROW[:2]]}}, 422, "row 1"),
        ({"dataframe_records": [1, 2]}, 400, "list of objects"),
        ({"dataframe_records": [{"a": 1}, {"b": 1}]}, 422, "row 1 of 'dataframe_records' differs from row 0"),
        ({"input_data": [{"a": 1}] * 4}, 413, "4 rows in one request; this endpoint accepts at most 3"),
    ],
)
def test_malformed_bodies_are_refused_with_their_status(body, status, words):
    err = refused(body_columns, body, 3)
    assert err.status == status and words in err.message, err.message


def test_invalid_json_is_400():
    assert parse_json(b'{"a": [1]}') == {"a": [1]}
    err = refused(parse_json, b'{"a": [1}')
    assert err.status == 400 and err.message.startswith("invalid JSON body")


def test_key_from_environment_or_a_file_outside_the_repo(tmp_path, monkeypatch):
    assert resolve_api_key(ServingSettings()) is None
    key_file = tmp_path / "key"
    key_file.write_text("s3cret\n")
    assert resolve_api_key(ServingSettings(api_key_file=key_file), repo_root=tmp_path / "repo") == "s3cret"
    with pytest.raises(ValueError, match="inside the repository"):
        resolve_api_key(ServingSettings(api_key_file=key_file), repo_root=tmp_path)
    with pytest.raises(FileNotFoundError, match="key file not found"):
        resolve_api_key(ServingSettings(api_key_file=tmp_path / "absent"), repo_root=tmp_path / "repo")
    monkeypatch.setenv("SMELTER_SERVING__API_KEY", "from-env")
    from smelter.settings import load_settings

    assert resolve_api_key(load_settings().serving) == "from-env"
    with pytest.raises(ValueError, match="empty"):
        resolve_api_key(ServingSettings(api_key="  "))


def test_bearer_check():
    assert bearer_ok(None, None) and bearer_ok("anything", None)
    assert bearer_ok("Bearer k1", "k1") and bearer_ok("bearer k1", "k1")
    assert not any(bearer_ok(h, "k1") for h in [None, "", "k1", "Bearer", "Bearer k2", "Basic k1"])


def test_model_uris():
    assert parse_model_uri("models:/demand-forecast@champion") == ModelRef("demand-forecast", "champion")
    assert parse_model_uri("models:/demand-forecast/3") == ModelRef("demand-forecast", None, "3")
    for bad in ["runs:/abc/model", "models:/x", "models:/x@a/1", "/tmp/model"]:
        with pytest.raises(ValueError, match="must name a registered model"):
            parse_model_uri(bad)
