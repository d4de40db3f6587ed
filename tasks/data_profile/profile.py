"""One table or one column profiled: frames in, result objects out (no lake, MLflow or Prefect).

:func:`profile_components` standardises a table's columns and finds its principal components;
:func:`profile_column` fits the candidate families of a column's kind and ranks them by AIC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tasks.data_profile.families import support_of
from tasks.data_profile.fits import Fit, check_support, fit_candidates
from tasks.data_profile.inputs import ProfileInputError, fit_values, infer_kind, row_namer, standardise
from tasks.data_profile.pca import DEFAULT_ITERATION, Components, PowerIteration, principal_components
from tasks.data_profile.schema import ColumnRef, TablePlan

PLOT_ROWS = 5_000  # rows drawn in a projection (a seeded sample of larger tables)


@dataclass(frozen=True)
class TableComponents:
    """A table's PCA: which data (dataset, version, columns, rows used / missing, constant columns dropped),
    the :class:`Components`, and a seeded sample of rows for the projection: scores on the first two
    components and the colour column's values."""

    dataset: str
    version: str
    columns: tuple[str, ...]
    rows: int
    rows_missing: int
    dropped_constant: tuple[str, ...]
    components: Components
    color_by: str | None
    sample_scores: np.ndarray
    sample_colors: pd.Series | None


@dataclass(frozen=True)
class ColumnFits:
    """A column's fits, best (lowest AIC) first, with the values fitted (for the plot) and the rows missing."""

    dataset: str
    version: str
    column: str
    kind: str
    fits: list[Fit]
    values: np.ndarray
    rows_missing: int

    @property
    def best(self) -> Fit:
        return self.fits[0]


def profile_components(
    frame: pd.DataFrame,
    plan: TablePlan,
    version: str,
    config: PowerIteration = DEFAULT_ITERATION,
    drop_constant: bool = False,
    plot_rows: int = PLOT_ROWS,
) -> TableComponents:
    """Standardise ``plan.columns`` of ``frame`` and find their principal components (all, or
    ``config.components``); the colour column must exist. A constant column is an error when the user
    named it (unless ``drop_constant``), dropped with a warning when it is one of the table's defaults."""
    if plan.color_by is not None and plan.color_by not in frame.columns:
        raise ProfileInputError(f"{plan.dataset} has no column {plan.color_by!r} to colour the projection by")
    data = standardise(frame, plan.columns, plan.dataset, drop_constant or not plan.named)
    k = min(config.components or len(data.columns), len(data.columns))
    comps = principal_components(data.values, PowerIteration(k, config.tol, config.max_iter, config.seed))
    rng = np.random.default_rng(config.seed)
    take = np.sort(rng.choice(len(data.index), size=min(plot_rows, len(data.index)), replace=False))
    colors = frame.loc[data.index[take], plan.color_by].reset_index(drop=True) if plan.color_by else None
    return TableComponents(
        plan.dataset,
        version,
        data.columns,
        len(data.index),
        data.rows_missing,
        data.dropped_constant,
        comps,
        plan.color_by,
        comps.scores(data.values[take])[:, :2],
        colors,
    )


def profile_column(frame: pd.DataFrame, ref: ColumnRef, version: str, keys: Sequence[str] = ()) -> ColumnFits:
    """Fit the candidate families of ``ref.kind`` (or the kind the values suggest) to a column's present
    values; a value outside the kind's support is an error naming the column and the row (by ``keys``)."""
    dataset = ref.dataset or "the table"
    values, missing = fit_values(frame, ref.column, dataset)
    kind = ref.kind or infer_kind(values)
    label = f"{dataset}:{ref.column}"
    positions = frame.index.get_indexer(values.index)
    name_row = row_namer(frame, keys)

    def row_name(i: int) -> str:
        return name_row(int(positions[i]))

    check_support(values, support_of(kind), label, f"kind {kind!r}", row_name)
    fits = fit_candidates(values, kind, label, row_name)
    return ColumnFits(dataset, version, ref.column, kind, fits, values.to_numpy(), missing)
