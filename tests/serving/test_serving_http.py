"""The real endpoint on a free loopback port: every request format, keys, every error case."""

from __future__ import annotations

import numpy as np
import pytest

from tests.serving.serving_helpers import KEY, MODEL, call, tiny_frame

ROWS = tiny_frame().head(3)
SPLIT = {"columns": list(ROWS.columns), "data": ROWS.to_numpy(dtype=object).tolist()}
for row in SPLIT["data"]:  # numpy scalars -> plain JSON values
    row[:] = [int(row[0]), float(row[1]), bool(row[2])]
RECORDS = [dict(zip(SPLIT["columns"], row, strict=False)) for row in SPLIT["data"]]


@pytest.fixture(scope="module")
def expected(server, serving_settings) -> list[float]:
    """What the registered model predicts for ROWS, in process."""
    import mlflow.pyfunc

    from smelter.tracking import configure_mlflow

    configure_mlflow(serving_settings)
    return mlflow.pyfunc.load_model(f"models:/{MODEL}@champion").predict(ROWS).tolist()


def test_health_and_metadata(server):
    status, body, _ = call(f"{server}/health", key=None)
    assert (status, body["status"], body["version"]) == (200, "ready", "1")
    status, meta, _ = call(f"{server}/metadata")
    assert (status, meta["name"], meta["version"], meta["alias"]) == (200, MODEL, "1", "champion")
    assert [c["name"] for c in meta["input_schema"]] == ["day_of_year", "population", "is_holiday"]
    assert [c["type"] for c in meta["input_schema"]] == ["long", "double", "boolean"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/score", {"input_data": {"columns": SPLIT["columns"], "index": [0, 1, 2], "data": SPLIT["data"]}}),
        ("/score", {"input_data": RECORDS}),
        ("/invocations", {"dataframe_split": SPLIT}),
        ("/invocations", {"dataframe_records": RECORDS}),
        ("/score", {"dataframe_records": list(reversed([{k: r[k] for k in reversed(r)} for r in RECORDS]))}),
    ],
)
def test_every_format_scores_like_the_model(server, expected, path, body):
    status, answer, headers = call(f"{server}{path}", body)
    assert status == 200, answer
    if "dataframe_records" in body and path == "/score":  # the reversed-rows case
        expected = expected[::-1]
    np.testing.assert_allclose(answer["predictions"], expected, rtol=1e-9)
    assert (answer["model"], answer["version"]) == (MODEL, "1")
    assert (headers["X-Model-Name"], headers["X-Model-Version"]) == (MODEL, "1")


@pytest.mark.parametrize("key", [None, "wrong-key", ""])
def test_missing_or_wrong_key_is_401_before_anything_else(server, key):
    for path, body in [("/score", {"dataframe_split": SPLIT}), ("/invocations", b"{not json"), ("/metadata", None)]:
        status, answer, headers = call(f"{server}{path}", body, key=key)
        assert status == 401 and "key" in answer["error"], (path, answer)
        assert headers["WWW-Authenticate"] == "Bearer"


def test_basic_scheme_is_refused(server):
    import base64
    import urllib.request

    token = base64.b64encode(f"user:{KEY}".encode()).decode()
    req = urllib.request.Request(f"{server}/score", data=b"{}", headers={"Authorization": f"Basic {token}"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 401


def _split(columns, data):
    return {"dataframe_split": {"columns": columns, "data": data}}


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"{not json", 400, ["invalid JSON"]),
        (b"[1, 2]", 400, ["input_data", "dataframe_split", "dataframe_records"]),
        ({"instances": [[1]]}, 400, ["instances"]),
        ({"dataframe_split": SPLIT, "dataframe_records": RECORDS}, 400, ["exactly one"]),
        ({"dataframe_split": {"data": [[1]]}}, 400, ["'columns'"]),
        (_split(["day_of_year", "population"], [[1, 2.0]]), 422, ["missing columns: is_holiday"]),
        (_split([*SPLIT["columns"], "colour"], [[*SPLIT["data"][0], "red"]]), 422, ["unexpected columns: colour"]),
        (
            _split(SPLIT["columns"], [[1, 2.0, True], ["x", 2.0, "yes"]]),
            422,
            ["column 'day_of_year' expects long: row 1 has 'x' (str)", "column 'is_holiday' expects boolean: row 1"],
        ),
        (_split(SPLIT["columns"], [[1, 2.0]]), 422, ["row 0", "2 values", "3 columns"]),
        ({"dataframe_records": [RECORDS[0], {"day_of_year": 1}]}, 422, ["row 1", "population"]),
        (_split(SPLIT["columns"], []), 422, ["no rows"]),
        (_split(SPLIT["columns"], SPLIT["data"][:1] * 51), 413, ["51 rows", "at most 50"]),
    ],
)
def test_bad_input_gets_a_clear_error_and_the_server_keeps_serving(server, body, status, words):
    got, answer, _ = call(f"{server}/score", body)
    assert got == status, answer
    for word in words:
        assert word in answer["error"], answer
    assert call(f"{server}/invocations", {"dataframe_split": SPLIT})[0] == 200


def test_fifty_rows_is_within_the_limit(server):
    status, answer, _ = call(f"{server}/score", _split(SPLIT["columns"], SPLIT["data"][:1] * 50))
    assert status == 200 and len(answer["predictions"]) == 50
