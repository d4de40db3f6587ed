"""Batch scoring of any registered MLflow pyfunc model, in-process (pandas) or on Spark.

:func:`load_model` pins a ``models:/name@alias`` to its version (:mod:`smelter.registry`)
and loads the pyfunc once; :func:`check_columns` fails before any scoring when an input
lacks a model input; :func:`score_pandas` predicts in ordered mini-batches on a thread pool
(LightGBM releases the GIL); :func:`score_spark` runs the same function per Arrow
batch inside ``mapInPandas``. Output rows: key columns, prediction column(s)
(``prediction`` for a Series/array, the model's own columns for a DataFrame),
``model_name``, ``model_version``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from smelter.registry import input_columns, resolve
from smelter.stream_predict import StreamPredictor

SPARK_MIN_ROWS = 2_000_000  # engine="auto" switches to Spark above this many input rows
MODEL_COLUMNS = ("model_name", "model_version")  # after the predictions in every scored row


class RejectedRowsError(ValueError):
    """Rows the model rejects (an unknown category, an unreadable value), named by source, column and row."""


class MissingColumnsError(ValueError):
    """An input lacks columns the model (or the output keys) needs."""


@dataclass
class ScoringModel:
    """A loaded pyfunc with its registry identity and the input columns it requires."""

    name: str
    version: str
    run_id: str | None
    uri: str  # models:/name/version: the pinned version, whatever the alias does later
    pyfunc: Any = field(repr=False)
    input_columns: list[str]
    optional_columns: list[str] = field(default_factory=list)  # passed to the model when the input has them
    _stream: StreamPredictor | None = field(default=None, init=False, repr=False, compare=False)

    def predict(self, batch: pd.DataFrame, params: dict | None = None) -> Any:
        """``pyfunc.predict(batch, params=params)``, the signature enforced once per set of column dtypes
        rather than value by value (:class:`~smelter.stream_predict.StreamPredictor`)."""
        if self._stream is None or self._stream.pyfunc is not self.pyfunc:
            self._stream = StreamPredictor(self.pyfunc)
        return self._stream(batch, params)

    def columns_in(self, available: Sequence[str]) -> list[str]:
        """The model inputs to select from ``available``: every required one, then the optional ones present."""
        present = set(available)
        return [*self.input_columns, *(c for c in self.optional_columns if c in present)]


def limit_model_threads(threads: int) -> None:
    """Cap OpenMP threads (LightGBM, scikit-learn) before a model library loads in this process; an explicit
    ``OMP_THREAD_LIMIT`` in the environment wins. The cap also binds a model's own thread count (LightGBM's
    ``n_jobs``). On shared cores a 1-row predict with 2 threads waits for both to be scheduled: ~9 ms
    against ~0.8 ms with one (measured here)."""
    os.environ.setdefault("OMP_THREAD_LIMIT", str(threads))


def load_model(model_uri: str) -> ScoringModel:
    """Resolve the URI and load the pyfunc once (MLflow must already point at the registry)."""
    import mlflow.pyfunc

    resolved = resolve(model_uri)
    pyfunc = mlflow.pyfunc.load_model(resolved.uri)
    columns = input_columns(pyfunc)
    return ScoringModel(
        resolved.name, resolved.version, resolved.run_id, resolved.uri, pyfunc, columns.required, columns.optional
    )


def check_columns(columns: Sequence[str], required: Sequence[str], source: str) -> None:
    """Raise :class:`MissingColumnsError` naming ``source`` and every column of ``required`` not in ``columns``."""
    present = set(columns)
    missing = [c for c in required if c not in present]
    if missing:
        raise MissingColumnsError(f"{source} lacks column(s) {missing} needed for scoring; it has {list(columns)}")


def prediction_frame(raw: Any, n_rows: int) -> pd.DataFrame:
    """A pyfunc result (Series, 1-D/2-D array, list, DataFrame) as a DataFrame with a fresh 0..n-1 index."""
    if isinstance(raw, pd.DataFrame):
        out = raw.reset_index(drop=True)
    else:
        values = np.asarray(raw)
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]
        if values.ndim == 1:
            out = pd.DataFrame({"prediction": values})
        else:
            out = pd.DataFrame(values, columns=[f"prediction_{i}" for i in range(values.shape[1])])
    if len(out) != n_rows:
        raise ValueError(f"the model returned {len(out)} predictions for {n_rows} rows")
    return out


def plain_values(df: pd.DataFrame) -> pd.DataFrame:
    """Category columns -> their plain values: a pyfunc signature has no category type and
    rejects them (a Parquet file written from categorical pandas reads back categorical)."""
    cats = [c for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)]
    if not cats:
        return df
    return df.assign(**{c: df[c].astype(df[c].cat.categories.dtype) for c in cats})


def predict_pandas(
    model: ScoringModel,
    df: pd.DataFrame,
    mini_batch_size: int = 10_000,
    max_concurrency: int = 2,
    source: str = "input",
    params: dict | None = None,
) -> pd.DataFrame:
    """Rows of ``df`` in order -> the model's prediction column(s) (:func:`prediction_frame`, index 0..n-1).

    Columns that are not model inputs (required, or optional and present) are dropped before
    predict; ``params`` go to every ``pyfunc.predict`` call; batches of ``mini_batch_size`` rows
    run on up to ``max_concurrency`` threads. A row the model rejects is a :class:`RejectedRowsError`
    naming ``source``.
    """
    if mini_batch_size < 1 or max_concurrency < 1:
        raise ValueError("mini_batch_size and max_concurrency must be >= 1")
    check_columns(df.columns, model.input_columns, source)
    inputs = model.columns_in(df.columns)
    features = plain_values(df[inputs] if inputs else df)
    starts = range(0, len(df), mini_batch_size)

    def predict(start: int) -> pd.DataFrame:
        batch = features.iloc[start : start + mini_batch_size]
        try:
            return prediction_frame(model.predict(batch, params), len(batch))
        except Exception as exc:
            if getattr(exc, "client_error", False):  # bad input (e.g. an unknown category): name the source
                raise RejectedRowsError(f"{source}: {exc}") from exc
            raise

    if max_concurrency == 1 or len(starts) <= 1:
        parts = [predict(s) for s in starts]
    else:
        with ThreadPoolExecutor(max_concurrency) as pool:
            parts = list(pool.map(predict, starts))  # map keeps the input order
    if len(parts) == 1:
        return parts[0]
    return pd.concat(parts, ignore_index=True) if parts else prediction_frame(np.empty(0), 0)


def check_prediction_columns(preds: pd.DataFrame, key_columns: Sequence[str]) -> None:
    """A ValueError when a prediction column has the name of a key or model column."""
    clash = set(preds.columns) & {*key_columns, *MODEL_COLUMNS}
    if clash:
        raise ValueError(f"prediction column(s) {sorted(clash)} clash with key/model columns")


def score_pandas(
    model: ScoringModel,
    df: pd.DataFrame,
    key_columns: Sequence[str],
    mini_batch_size: int = 10_000,
    max_concurrency: int = 2,
    source: str = "input",
    params: dict | None = None,
) -> pd.DataFrame:
    """Rows of ``df`` in order -> key columns + prediction column(s) + model_name + model_version
    (:func:`predict_pandas`)."""
    check_columns(df.columns, [*model.input_columns, *key_columns], source)
    preds = predict_pandas(model, df, mini_batch_size, max_concurrency, source, params)
    check_prediction_columns(preds, key_columns)
    out = pd.concat([df[list(key_columns)].reset_index(drop=True), preds], axis=1)
    return out.assign(model_name=model.name, model_version=model.version)


def choose_engine(engine: str, n_rows: int | None, spark_master: str, spark_min_rows: int = SPARK_MIN_ROWS) -> str:
    """``auto`` -> ``spark`` when a cluster is configured or there are more than ``spark_min_rows`` rows."""
    if engine not in ("auto", "pandas", "spark"):
        raise ValueError(f"engine must be auto, pandas or spark, not {engine!r}")
    if engine != "auto":
        return engine
    if not spark_master.startswith("local"):
        return "spark"
    return "spark" if n_rows is not None and n_rows > spark_min_rows else "pandas"
