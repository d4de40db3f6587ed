"""Scoring request bodies -> named columns, in every format a client may send.

Accepted bodies (JSON):
- Azure ML online endpoint: ``{"input_data": {"columns": [...], "index": [...], "data": [[...]]}}``
  (``input_data`` may also be a list of records);
- MLflow scoring server: ``{"dataframe_split": {"columns": [...], "data": [[...]]}}`` or
  ``{"dataframe_records": [{"col": value, ...}, ...]}``.
Every failure is a :class:`RequestError` carrying the HTTP status and a message
naming the key, row or column at fault. Nothing here knows HTTP or the model.
"""

from __future__ import annotations

from typing import Any

import orjson

FORMATS = ("input_data", "dataframe_split", "dataframe_records")


class RequestError(Exception):
    """A request the endpoint refuses: ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def parse_json(raw: bytes) -> Any:
    """Request bytes -> JSON value; anything that is not JSON is a 400."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RequestError(400, f"invalid JSON body: {exc}") from None


def body_columns(body: Any, max_rows: int) -> dict[str, list]:
    """A parsed body in any accepted format -> ``{column: [value per row]}`` (row order kept).

    More than ``max_rows`` rows is a 413, checked before any column is built.
    """
    if not isinstance(body, dict):
        raise RequestError(400, f"body must be a JSON object with one of the keys {', '.join(FORMATS)}")
    keys = [k for k in body if k in FORMATS]
    others = sorted(k for k in body if k not in FORMATS)
    if len(keys) != 1 or others:
        found = ", ".join(body) or "none"
        raise RequestError(400, f"body must have exactly one of the keys {', '.join(FORMATS)}; found: {found}")
    key, value = keys[0], body[keys[0]]
    if key == "dataframe_records" or (key == "input_data" and isinstance(value, list)):
        return _records_columns(key, value, max_rows)
    return _split_columns(key, value, max_rows)


def _check_rows(key: str, rows: Any, max_rows: int) -> None:
    if not isinstance(rows, list):
        raise RequestError(400, f"'{key}' must hold a list of rows, got {type(rows).__name__}")
    if not rows:
        raise RequestError(422, f"'{key}' holds no rows")
    if len(rows) > max_rows:
        raise RequestError(413, f"{len(rows)} rows in one request; this endpoint accepts at most {max_rows}")


def _split_columns(key: str, split: Any, max_rows: int) -> dict[str, list]:
    """``{"columns": [...], "data": [[...]], "index": [...]}`` -> columns (the index is ignored)."""
    if not isinstance(split, dict) or "columns" not in split or "data" not in split:
        raise RequestError(400, f"'{key}' must be an object with 'columns' and 'data' (and optionally 'index')")
    extra = sorted(set(split) - {"columns", "data", "index"})
    if extra:
        raise RequestError(400, f"'{key}' has unexpected keys: {', '.join(extra)}")
    names, rows = split["columns"], split["data"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise RequestError(400, f"'{key}.columns' must be a list of column names")
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise RequestError(422, f"duplicate columns: {', '.join(dup)}")
    _check_rows(f"{key}.data", rows, max_rows)
    width = len(names)
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != width:
            size = len(row) if isinstance(row, list) else type(row).__name__
            raise RequestError(422, f"row {i} of '{key}.data' has {size} values; {width} columns are named")
    return {name: [row[j] for row in rows] for j, name in enumerate(names)}


def _records_columns(key: str, records: Any, max_rows: int) -> dict[str, list]:
    """``[{"col": value, ...}, ...]`` -> columns; every record must name the same columns."""
    _check_rows(key, records, max_rows)
    if not all(isinstance(r, dict) for r in records):
        raise RequestError(400, f"'{key}' must be a list of objects (one per row)")
    names = list(records[0])
    expected = set(names)
    for i, record in enumerate(records):
        if record.keys() != expected:
            missing = sorted(expected - record.keys())
            extra = sorted(record.keys() - expected)
            raise RequestError(
                422, f"row {i} of '{key}' differs from row 0: missing {missing or 'none'}, extra {extra or 'none'}"
            )
    return {name: [r[name] for r in records] for name in names}
