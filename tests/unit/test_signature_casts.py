"""Signature enforcement decided per column type: each cast gives the column MLflow's own enforcement gives."""

import datetime

import numpy as np
import pandas as pd
import pytest
from mlflow.models.utils import _enforce_schema  # the reference: what PyFuncModel.predict does to a batch
from mlflow.types import ColSpec, DataType, Schema
from mlflow.types.schema import AnyType

from smelter.stream_predict import BOXED, KEEP, _applied, column_cast

COLUMNS = {
    "int32": np.array([1, 2, 3], dtype=np.int32),
    "int64": np.array([1, 2, 3]),
    "uint8": np.array([1, 2, 3], dtype=np.uint8),
    "float32": np.array([1.5, np.nan, 3], dtype=np.float32),
    "float64": np.array([1.5, np.nan, 3]),
    "bool": np.array([True, False, True]),
    "text": np.array(["a", "b", "c"], dtype=object),
    "dates": np.array([datetime.date(2020, 1, d) for d in (1, 2, 3)], dtype=object),
    "datetime_ns": pd.to_datetime(["2020-01-01"] * 3).to_numpy(),
    "datetime_ms": pd.to_datetime(["2020-01-01"] * 3).to_numpy().astype("datetime64[ms]"),
    "text_with_none": np.array(["a", None, "c"], dtype=object),
    "ints_as_objects": np.array([1, 2, 3], dtype=object),
    "nullable_int": pd.array([1, None, 3], dtype="Int64"),
}
ROWS = pd.DataFrame(COLUMNS, index=[5, 6, 7])  # not 0..n-1: the index must survive
TYPES = [AnyType(), *DataType]


def mlflow_enforced(column: str, kind) -> pd.DataFrame | None:
    try:
        return _enforce_schema(ROWS[[column]], Schema([ColSpec(kind, column)]))
    except Exception:
        return None


@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("kind", TYPES, ids=str)
def test_a_decided_cast_gives_the_column_mlflow_gives(column, kind):
    cast = column_cast(kind, ROWS[column].dtype)
    got = None if cast is None else _applied(ROWS[column], cast)
    if got is None:
        return  # undecided: the batch goes through PyFuncModel.predict
    expected = mlflow_enforced(column, kind)
    assert expected is not None, f"{column} as {kind}: cast {cast!r} where MLflow rejects the column"
    pd.testing.assert_frame_equal(pd.DataFrame({column: got}), expected)


def test_the_columns_batch_scoring_sees_are_decided_without_visiting_values():
    assert column_cast(AnyType(), np.dtype(object)) == BOXED  # dates, or text
    assert column_cast(AnyType(), np.dtype(np.int64)) == np.int64
    assert column_cast(AnyType(), np.dtype(np.int32)) == np.int64  # MLflow rebuilds it from Python ints
    assert column_cast(DataType.string, np.dtype(object)) == KEEP
    assert column_cast(DataType.long, np.dtype(np.int32)) == np.int64
    assert column_cast(DataType.datetime, np.dtype("datetime64[ms]")) == np.dtype("datetime64[ns]")


def test_where_the_values_decide_there_is_no_cast():
    assert column_cast(DataType.long, np.dtype(object)) is None  # MLflow infers a type from the values
    assert column_cast(DataType.double, np.dtype(np.int64)) is None  # allowed only when every value is 0 or 1
    assert column_cast(DataType.integer, np.dtype(np.int64)) is None  # MLflow refuses: its error stands
    assert column_cast(AnyType(), pd.Int64Dtype()) is None
    assert _applied(ROWS["text_with_none"], BOXED) is None  # pandas may infer another type from mixed values
    assert _applied(ROWS["ints_as_objects"], BOXED) is None
