"""StreamPredictor on a saved pyfunc: the model receives the frame and params PyFuncModel.predict gives it,
without per-value enforcement; batches whose values decide go through PyFuncModel.predict and its errors."""

import datetime
import sys

import numpy as np
import pandas as pd
import pytest
from mlflow.pyfunc import PythonModel

from smelter.stream_predict import StreamPredictor


class Recorder(PythonModel):
    """Returns its input with the params as columns; keeps every frame it was given."""

    def __init__(self):
        self.seen: list[pd.DataFrame] = []

    def predict(self, context, model_input, params=None):
        self.seen.append(model_input)
        return model_input.assign(**(params or {}))


@pytest.fixture(scope="module")
def recorder(tmp_path_factory):
    """A saved Recorder whose signature mixes ``Any`` and typed columns (as the demand model's does)."""
    import cloudpickle
    import mlflow.pyfunc
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema
    from mlflow.types.schema import AnyType

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    signature = ModelSignature(
        inputs=Schema(
            [
                ColSpec(AnyType(), "date", required=False),
                ColSpec("string", "state"),
                ColSpec(AnyType(), "population", required=False),
                ColSpec("long", "year", required=False),
            ]
        ),
        params=ParamSchema([ParamSpec("unknown", "string", "error")]),
    )
    path = tmp_path_factory.mktemp("recorder") / "model"
    mlflow.pyfunc.save_model(path, python_model=Recorder(), signature=signature, pip_requirements=["pandas"])
    return mlflow.pyfunc.load_model(str(path))


def batch(rows: int = 4, **changed) -> pd.DataFrame:
    columns = {
        "extra": np.arange(rows),
        "year": np.full(rows, 2022, dtype=np.int32),
        "state": np.array(["Ohio", "Utah"] * (rows // 2), dtype=object),
        "date": np.array([datetime.date(2022, 1, 1 + i) for i in range(rows)], dtype=object),
        "population": np.arange(rows, dtype=np.int64) * 1000,
    }
    return pd.DataFrame({**columns, **changed}, index=range(10, 10 + rows))


def both(recorder, rows: pd.DataFrame, params=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(what PyFuncModel.predict gave the model, what StreamPredictor gave it)."""
    model = recorder.unwrap_python_model()
    recorder.predict(rows, params=params)
    StreamPredictor(recorder)(rows, params)
    return model.seen[-2], model.seen[-1]


def test_the_model_gets_the_frame_and_params_mlflow_gives_it_without_per_value_checks(recorder, monkeypatch):
    import mlflow.models.utils

    slow, fast = both(recorder, batch())
    pd.testing.assert_frame_equal(fast, slow)
    assert list(fast.columns) == ["date", "state", "population", "year"]  # the signature's order, no extras
    assert fast["year"].dtype == np.int64
    predictor = StreamPredictor(recorder)

    def visited(*args, **kwargs):
        raise AssertionError("a value was enforced one by one")

    monkeypatch.setattr(mlflow.models.utils, "_enforce_type", visited)
    out = predictor(batch(6), {})
    assert out["unknown"].tolist() == ["error"] * 6  # the param's default, filled in as MLflow does
    assert predictor(batch(2), {"unknown": "flag"})["unknown"].tolist() == ["flag"] * 2


def test_values_that_decide_go_through_mlflow(recorder):
    mixed = batch(population=np.array([1, None, 3, 4], dtype=object))  # pandas rebuilds it as float
    slow, fast = both(recorder, mixed)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast["population"].dtype == np.float64
    text_years = batch(year=np.array(["2022"] * 4, dtype=object))
    with pytest.raises(Exception, match="year"):
        StreamPredictor(recorder)(text_years)
    with pytest.raises(Exception, match=r"missing inputs \['state'\]"):
        StreamPredictor(recorder)(batch().drop(columns="state"))
