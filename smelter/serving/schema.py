"""Named columns -> typed arrays for a pandas DataFrame, checked against a model's MLflow input schema.

Missing or unexpected columns, and values of the wrong type, are a 422 naming
every column at fault and the first bad row of each. The column types come from
``smelter.registry.input_columns(model).types``: a model logged without a
signature (or with a tensor signature) has none and gets its columns unchecked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from smelter.serving.payload import RequestError


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@dataclass(frozen=True)
class _Kind:
    accepts: Callable[[Any], bool]
    dtype: str
    low: int | None = None
    high: int | None = None


# MLflow DataType name -> which JSON values it takes and the pandas dtype it becomes.
KINDS: dict[str, _Kind] = {
    "boolean": _Kind(lambda v: isinstance(v, bool), "bool"),
    "integer": _Kind(_is_int, "int32", -(2**31), 2**31 - 1),
    "long": _Kind(_is_int, "int64", -(2**63), 2**63 - 1),
    "float": _Kind(_is_number, "float32"),
    "double": _Kind(_is_number, "float64"),
    "string": _Kind(lambda v: isinstance(v, str), "object"),
    "binary": _Kind(lambda v: isinstance(v, (str, bytes)), "object"),
    "datetime": _Kind(lambda v: isinstance(v, str), "datetime64[ns]"),
}


def _first_bad(values: list, kind: _Kind, required: bool) -> int | None:
    """Row number of the first value ``kind`` does not take (None is allowed only if not required)."""
    for i, v in enumerate(values):
        if v is None:
            if required:
                return i
        elif not kind.accepts(v) or (kind.low is not None and not kind.low <= v <= kind.high):
            return i
    return None


def _column(name: str, values: list, type_name: str, required: bool) -> tuple[np.ndarray | None, str | None]:
    """One column -> (typed array, None) or (None, error naming column, type and row)."""
    kind = KINDS.get(type_name)
    if kind is None:  # array / object / map types: handed to the model as they are
        return _objects(values), None
    bad = _first_bad(values, kind, required)
    if bad is not None:
        v = values[bad]
        return None, f"column '{name}' expects {type_name}: row {bad} has {v!r} ({type(v).__name__})"
    if None in values:  # an optional column with gaps: NaN in float columns, None elsewhere
        return (np.array(values, dtype=kind.dtype) if kind.dtype.startswith("float") else _objects(values)), None
    if type_name == "datetime":
        try:
            return pd.to_datetime(values).to_numpy(), None
        except (ValueError, TypeError) as exc:
            return None, f"column '{name}' expects datetime: {exc}"
    return np.array(values, dtype=kind.dtype), None


def _objects(values: list) -> np.ndarray:
    """A 1-d object array of ``values`` (lists stay list elements, never a second axis)."""
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        out[i] = value
    return out


def typed_columns(columns: dict[str, list], types: dict[str, tuple[str, bool]] | None) -> dict[str, np.ndarray]:
    """``{column: values}`` -> ``{column: array}`` in schema order with schema dtypes; 422 on any mismatch.

    ``pandas.DataFrame(result)`` is the model's input frame. Without a schema the
    columns pass unchecked, with the dtypes pandas infers.
    """
    if types is None:
        return {name: pd.Series(values).to_numpy() for name, values in columns.items()}
    missing = [c for c, (_, required) in types.items() if required and c not in columns]
    extra = [c for c in columns if c not in types]
    problems = []
    if missing:
        problems.append(f"missing columns: {', '.join(missing)}")
    if extra:
        problems.append(f"unexpected columns: {', '.join(extra)}")
    typed: dict[str, np.ndarray] = {}
    for name, (type_name, required) in types.items():
        if name in columns:
            array, error = _column(name, columns[name], type_name, required)
            if error:
                problems.append(error)
            else:
                assert array is not None, f"column '{name}': no array and no error"
                typed[name] = array
    if problems:
        raise RequestError(422, "; ".join(problems))
    return typed
