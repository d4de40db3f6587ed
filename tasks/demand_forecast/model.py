"""The forecaster and the registered model around it: framework-free, logged with the model.

``make_forecaster`` is an sklearn Pipeline (``CategoryCast`` -> LightGBM) fitted on the gold
``FEATURES``. :class:`DemandModel` is what the registry holds: the fitted pipeline, the
population table it was trained with and the states it knows. It takes what a caller knows
(``date``, ``state``, optionally ``population``) and derives the calendar with
:func:`~tasks.demand_forecast.schema.calendar_arrays`, the calendar gold uses; the long form
(every feature column, no date) still works. Output per row: ``prediction`` (units),
``population_year`` (the year of the population used; the row's own when given) and
``unknown_category``. Imports only pandas, numpy, scikit-learn, LightGBM and MLflow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from mlflow.pyfunc import PythonModel
from pandas.api.types import infer_dtype
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline

from tasks.demand_forecast.schema import CALENDAR, CATEGORICAL, FEATURES, TARGET, calendar_arrays

OUTPUT_COLUMNS = ["prediction", "population_year", "unknown_category"]
UNKNOWN = ("error", "flag")
_CACHE = "_cache_"  # attributes built from the pickled ones on first use, never pickled themselves


class UnknownCategoryError(ValueError):
    """A category the model never saw in training; ``client_error``: the caller's input is at fault."""

    client_error = True


class InputError(ValueError):
    """Input the model cannot score (a missing column or an unreadable value), named by column and row."""

    client_error = True


@dataclass(frozen=True)
class ForecasterParams:
    num_leaves: int = 31
    num_iterations: int = 300
    learning_rate: float = 0.05
    seed: int = 42


class CategoryCast(BaseEstimator, TransformerMixin):
    """Cast ``columns`` to the categories seen in fit; unseen values become missing."""

    def __init__(self, columns: list[str] | None = None):
        self.columns = columns

    def fit(self, X: pd.DataFrame, y=None):
        self.categories_ = {c: sorted(X[c].dropna().astype(str).unique()) for c in self.columns or []}
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        out = X.copy()
        for col, cats in self.categories_.items():
            out[col] = pd.Categorical(out[col].astype(str), categories=cats)
        return out


def make_forecaster(params: ForecasterParams) -> Pipeline:
    from lightgbm import LGBMRegressor

    booster = LGBMRegressor(
        num_leaves=params.num_leaves,
        n_estimators=params.num_iterations,
        learning_rate=params.learning_rate,
        random_state=params.seed,
        deterministic=True,
        force_col_wise=True,
        n_jobs=2,
        verbose=-1,
    )
    return Pipeline([("categories", CategoryCast(CATEGORICAL)), ("lgbm", booster)])


def fit_forecaster(train: pd.DataFrame, params: ForecasterParams) -> Pipeline:
    """Gold training rows (FEATURES + TARGET) -> fitted pipeline."""
    return make_forecaster(params).fit(train[FEATURES], train[TARGET])


def feature_importance(model: Pipeline) -> pd.Series:
    """Total gain per feature, largest first."""
    booster = model.named_steps["lgbm"].booster_
    gain = booster.feature_importance(importance_type="gain")
    return pd.Series(gain, index=booster.feature_name()).sort_values(ascending=False)


def predict(model: Pipeline, rows: pd.DataFrame) -> np.ndarray:
    return model.predict(rows[FEATURES])


def population_table(rows: pd.DataFrame) -> dict[str, dict[int, int]]:
    """Rows with state, year, population -> ``{state: {year: population}}`` (what the model carries)."""
    table: dict[str, dict[int, int]] = {}
    for state, year, population in rows[["state", "year", "population"]].drop_duplicates().itertuples(index=False):
        table.setdefault(str(state), {})[int(year)] = int(population)
    return table


def _bad_row(mask: np.ndarray, index: pd.Index) -> object:
    return index[int(np.argmax(mask))]


class DemandModel(PythonModel):
    """The registered demand forecaster; ``predict`` param ``unknown``: "error" (default) or "flag"."""

    def __init__(self, pipeline: Pipeline, population: dict[str, dict[int, int]]):
        self.pipeline, self.population = pipeline, population
        self.states = list(pipeline.named_steps["categories"].categories_["state"])

    def __getstate__(self) -> dict:
        """What is pickled: the pipeline, population table and states; not the lookups built from them."""
        return {k: v for k, v in self.__dict__.items() if not k.startswith(_CACHE)}

    def features(self, rows: pd.DataFrame, unknown: str = "error") -> pd.DataFrame:
        """Caller rows -> FEATURES + ``population_year`` + ``unknown_category`` (same index)."""
        return self._features(rows, unknown)[0]

    def _features(self, rows: pd.DataFrame, unknown: str) -> tuple[pd.DataFrame, np.ndarray]:
        """:meth:`features`, and each row's state as its position in ``states`` (-1: unknown)."""
        if unknown not in UNKNOWN:
            raise ValueError(f"param 'unknown' must be one of {UNKNOWN}, not {unknown!r}")
        if "state" not in rows:
            raise InputError("input lacks column 'state'")
        state = rows["state"].to_numpy()
        if "date" in rows:
            dates = pd.to_datetime(rows["date"], errors="coerce")
            if dates.isna().any():
                row = _bad_row(dates.isna().to_numpy(), rows.index)
                raise InputError(f"column 'date' row {row}: {rows['date'][row]!r} is not a date")
            calendar = calendar_arrays(dates.to_numpy())
        else:
            missing = [c for c in CALENDAR if c not in rows]
            if missing:
                raise InputError(f"input needs column 'date' (or every calendar column); it lacks {missing}")
            calendar = {c: rows[c].to_numpy() for c in CALENDAR}
        names, category_of = self._lookup()
        found = names.get_indexer(state if infer_dtype(state, skipna=False) == "string" else state.astype(str))
        category = np.where(found >= 0, category_of[found], -1)
        unseen = category < 0
        if unseen.any() and unknown == "error":
            row = _bad_row(unseen, rows.index)
            raise UnknownCategoryError(
                f"column 'state' row {row}: unknown category {rows['state'][row]!r}; "
                f"the model knows {len(self.states)} states"
            )
        given = rows["population"].to_numpy(float) if "population" in rows else np.full(len(rows), np.nan)
        looked_up, used = self._populations(found, calendar["year"])
        known = ~np.isnan(given)
        features = pd.DataFrame(
            {
                "state": state,
                **calendar,
                "population": np.where(known, given, looked_up),
                "population_year": np.where(known, calendar["year"], used),
                "unknown_category": unseen,
            },
            index=rows.index,
        )
        return features, category

    def _lookup(self) -> tuple[pd.Index, np.ndarray]:
        """(every state with a category or a population, sorted; the position of each in ``states``, -1 if
        none), built on first use: a model unpickled from an older version builds it too."""
        cached = self.__dict__.get(f"{_CACHE}lookup")
        if cached is None:
            names = pd.Index(sorted({*self.states, *self.population}), dtype=object)
            cached = self.__dict__[f"{_CACHE}lookup"] = (names, pd.Index(self.states).get_indexer(names))
        return cached

    def _populations(self, found: np.ndarray, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row: (population, year used) for its state (a position in :meth:`_lookup`'s names, -1 for
        none) and year, looked up once per distinct pair."""
        names, known = self._lookup()[0], self.__dict__.setdefault(f"{_CACHE}populations", {})
        pairs = found.astype(np.int64) * 2**32 + (np.asarray(years, dtype=np.int64) + 2**31)
        at, distinct = pd.factorize(pairs)
        if len(known) > 100_000:  # (state, year) pairs remembered across calls: bounded
            known.clear()
        table = []
        for pair in distinct.tolist():
            if (entry := known.get(pair)) is None:
                state, year = divmod(pair, 2**32)
                entry = known[pair] = self._population(names[state] if state >= 0 else None, year - 2**31)
            table.append(entry)
        result = np.array(table, dtype=float).reshape(-1, 2)[at]
        return result[:, 0], result[:, 1]

    def _population(self, state: str | None, year: int) -> tuple[float, float]:
        """(population, year used): the row's year if the table has it, else the nearest year it has."""
        years = self.population.get(state) if state is not None else None
        if not years:
            return np.nan, np.nan
        used = min(years, key=lambda y: (abs(y - year), -y))
        return years[used], used

    def _predict(self, features: pd.DataFrame, category: np.ndarray) -> np.ndarray:
        """The pipeline's predictions: LightGBM given the state as the categories ``CategoryCast`` makes
        (from ``category``, the positions in ``states``), without casting each value again."""
        steps = self.pipeline.named_steps
        if list(steps) != ["categories", "lgbm"] or list(steps["categories"].categories_) != ["state"]:
            return self.pipeline.predict(features[FEATURES])
        state = pd.Categorical.from_codes(category, categories=self.states)
        return steps["lgbm"].predict(features[FEATURES].assign(state=state))

    def score(self, rows: pd.DataFrame, unknown: str = "error") -> pd.DataFrame:
        """Caller rows -> ``OUTPUT_COLUMNS`` (fresh 0..n-1 index)."""
        features, category = self._features(rows, unknown)
        prediction = self._predict(features, category) if len(features) else np.empty(0)
        return pd.DataFrame(
            {
                "prediction": prediction,
                "population_year": features["population_year"].astype("float64").to_numpy(),
                "unknown_category": features["unknown_category"].to_numpy(bool),
            }
        )

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        return self.score(model_input, unknown=(params or {}).get("unknown", "error"))


def signature_for(example: pd.DataFrame, model: DemandModel):
    """Inputs: ``state`` (string, required); ``date`` (any: a date, a datetime or ISO text), ``population``
    and the calendar columns optional (the long form); outputs ``OUTPUT_COLUMNS``; param ``unknown``."""
    from mlflow.models import ModelSignature, infer_signature
    from mlflow.types import ColSpec, Schema
    from mlflow.types.schema import AnyType

    inputs = Schema(
        [
            ColSpec(AnyType(), "date", required=False),
            ColSpec("string", "state"),
            ColSpec(AnyType(), "population", required=False),
            *[ColSpec("long", c, required=False) for c in CALENDAR],
        ]
    )
    inferred = infer_signature(example, model.score(example), params={"unknown": "error"})
    return ModelSignature(inputs=inputs, outputs=inferred.outputs, params=inferred.params)
