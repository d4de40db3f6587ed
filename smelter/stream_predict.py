"""A pyfunc's ``predict`` on a stream of batches, its input signature enforced per column type, not per value.

``PyFuncModel.predict`` enforces the model's input signature on every call, and for a column declared
``Any`` (or an array, object or map) it visits every value in Python: the demand model's ``date`` and
``population`` cost about 1 CPU s per million rows that way. The batches of a scoring stream share their
column types, and for most types what MLflow does to a column follows from its dtype alone.
:class:`StreamPredictor` works that out once per set of column dtypes (:func:`column_cast`), gives the
model the frame MLflow would give it (the same columns, order, dtypes and values) and calls the function
``PyFuncModel.predict`` calls, with the params as MLflow checks them; only MLflow's prediction context
(for tracing) is not set. Where the result depends on the values (an ``object`` column declared ``long``,
a nullable integer declared ``Any``, text mixed with missing values), a required column is missing, or
the signature comes from type hints, the batch goes through ``PyFuncModel.predict`` as before, so
MLflow's own checks and errors apply."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

KEEP = "keep"  # the column goes to the model as it is
BOXED = "boxed"  # an ``Any`` column of objects: as it is when its values are all text or all dates
OBJECT = np.dtype(object)
Cast = str | np.dtype  # KEEP, BOXED or the dtype the column is cast to


def _datatype_cast(kind: Any, dtype: Any) -> Cast | None:
    """What MLflow's ``_enforce_mlflow_datatype`` does to a ``dtype`` column declared ``kind`` (an MLflow
    ``DataType``) when it depends on the dtype alone; None when it depends on the values (or fails)."""
    from mlflow.types import DataType

    if kind in (DataType.string, DataType.binary) and (dtype == OBJECT or isinstance(dtype, pd.StringDtype)):
        return KEEP  # MLflow passes text and bytes on unchecked
    if not isinstance(dtype, np.dtype) or dtype == OBJECT:  # object: MLflow infers a type from the values
        return None
    target = kind.to_numpy()
    if dtype == target:
        return KEEP
    if kind == DataType.datetime and dtype.kind == "M":
        return np.dtype("datetime64[ns]")
    same_kind = dtype.kind == target.kind and dtype.kind in "iuf" and dtype.itemsize <= target.itemsize
    unsigned = dtype.kind == "u" and target.kind == "i" and dtype.itemsize < target.itemsize
    to_double = dtype.kind in "iu" and target == np.float64 and dtype.itemsize <= 6
    return target if same_kind or unsigned or to_double else None


def _any_cast(dtype: Any) -> Cast | None:
    """An ``Any`` column: MLflow rebuilds it from its values one by one, so pandas infers its dtype again:
    integers become int64, floats float64, booleans bool; objects stay objects when all text or all dates."""
    if dtype == OBJECT:
        return BOXED
    if not isinstance(dtype, np.dtype):
        return None
    if dtype.kind == "i" or (dtype.kind == "u" and dtype.itemsize < 8):
        return np.dtype(np.int64)
    return {"f": np.dtype(np.float64), "b": np.dtype(bool)}.get(dtype.kind)


def column_cast(kind: Any, dtype: Any) -> Cast | None:
    """What MLflow's signature enforcement does to a column of ``dtype`` declared ``kind`` (a ColSpec's
    type): :data:`KEEP`, :data:`BOXED`, a dtype to cast to, or None when only MLflow can tell."""
    from mlflow.types import DataType
    from mlflow.types.schema import AnyType

    if isinstance(kind, AnyType):
        return _any_cast(dtype)
    return _datatype_cast(kind, dtype) if isinstance(kind, DataType) else None


def _applied(values: pd.Series, cast: Cast) -> pd.Series | None:
    """The column cast, or None when its values decide (objects that are not all text or all dates)."""
    if cast == KEEP:
        return values
    if cast == BOXED:
        kinds = ("date",) if pd.get_option("future.infer_string") else ("string", "date")
        return values if infer_dtype(values, skipna=False) in kinds else None
    return values.astype(cast)


class StreamPredictor:
    """``StreamPredictor(pyfunc)(batch, params)`` returns what ``pyfunc.predict(batch, params=params)``
    returns for a pandas ``batch``; the column casts are decided once per set of column dtypes. Threads
    may share one (a plan decided twice at once is the same plan)."""

    def __init__(self, pyfunc: Any):
        self.pyfunc = pyfunc
        self._call = _direct_call(pyfunc)
        metadata = pyfunc.metadata if self._call is not None else None
        self._inputs: Any = metadata.get_input_schema() if metadata is not None else None
        self._params_schema = metadata.get_params_schema() if metadata is not None else None
        self._plans: dict[tuple, list[tuple[str, Cast]] | None] = {}

    def _plan(self, batch: pd.DataFrame) -> list[tuple[str, Cast]] | None:
        """(column, cast) for every signature column present, in signature order; None: MLflow enforces
        (a cast only the values decide, or a required column missing: MLflow's error names it)."""
        key = tuple(zip(batch.columns, batch.dtypes, strict=True))
        if key not in self._plans:
            specs = [s for s in self._inputs.inputs if s.name in batch.columns or s.required]
            casts = [column_cast(s.type, batch[s.name].dtype) if s.name in batch.columns else None for s in specs]
            plan = [(s.name, c) for s, c in zip(specs, casts, strict=True) if c is not None]
            self._plans[key] = plan if len(plan) == len(specs) else None
        return self._plans[key]

    def enforced(self, batch: pd.DataFrame) -> pd.DataFrame | None:
        """``batch`` as MLflow's signature enforcement hands it to the model, or None when only MLflow can
        enforce it."""
        if self._call is None or not isinstance(batch, pd.DataFrame) or not batch.columns.is_unique:
            return None
        if self._inputs is None:  # no signature: MLflow passes the batch as it is
            return batch
        plan = self._plan(batch)
        if plan is None:
            return None
        columns = {name: _applied(batch[name], cast) for name, cast in plan}
        return None if any(v is None for v in columns.values()) else pd.DataFrame(columns)

    def __call__(self, batch: pd.DataFrame, params: dict | None = None) -> Any:
        data = self.enforced(batch)
        if data is None or self._call is None:
            return self.pyfunc.predict(batch, params=params)
        return self._call(data, _enforce_params(params, self._params_schema))


def _direct_call(pyfunc: Any) -> Callable[[pd.DataFrame, dict | None], Any] | None:
    """The model implementation's predict function, called as ``PyFuncModel.predict`` calls it after
    enforcement; None when enforcement is not MLflow's column check (a signature from type hints, a tensor
    or unnamed signature) or the function takes no params."""
    metadata, predict = getattr(pyfunc, "metadata", None), getattr(pyfunc, "_predict_fn", None)
    if metadata is None or predict is None:
        return None
    inputs = metadata.get_input_schema()
    if metadata._is_signature_from_type_hint() or metadata._is_type_hint_from_example():
        return None
    if inputs is not None and (not inputs.has_input_names() or inputs.is_tensor_spec()):
        return None
    accepts = inspect.signature(predict).parameters.get("params")
    if accepts is None or accepts.kind == inspect.Parameter.VAR_KEYWORD:
        return None
    return lambda data, params: predict(data, params=params)


def _enforce_params(params: dict | None, schema: Any) -> dict | None:
    """The params as MLflow passes them on (defaults filled in, unknown keys dropped, values checked)."""
    from mlflow.models.utils import _enforce_params_schema  # not public; the same check PyFuncModel makes

    return _enforce_params_schema(params, schema)
