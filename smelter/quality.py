"""The data-quality gate of every silver and gold dataset, on Great Expectations 1.x.

Suites are declared next to the dataset they guard (a list of ``gx.expectations`` objects, see
:mod:`smelter.expectations`); this module runs one against a pandas or Spark DataFrame and turns GX's
result into a :class:`QualityReport`; :func:`enforce` raises :class:`DataQualityError` naming the
dataset, its source, each failing expectation, its column and example rows.

One ephemeral GX context per process, made on first use (GX takes seconds to import).
"""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING, Any

from smelter.quality_report import DataQualityError, ExpectationOutcome, QualityReport, plain

if TYPE_CHECKING:  # pragma: no cover
    import great_expectations as gx
    import pandas as pd
    from pyspark.sql import DataFrame as SparkDataFrame

__all__ = [
    "DataQualityError",
    "ExpectationOutcome",
    "QualityReport",
    "build_suite",
    "enforce",
    "validate_pandas",
    "validate_spark",
]

ROW_ID = "_source_row"  # ingest numbers each row by its line in the source file; examples cite it
EXAMPLES = 5
_lock = threading.RLock()
_gx: dict[str, Any] = {}  # "context", then one batch definition per engine, made on first use


def build_suite(name: str, expectations: list) -> gx.ExpectationSuite:
    """A named suite from expectation objects (``gx.expectations.Expect...``), not stored anywhere."""
    import great_expectations as gx

    return gx.ExpectationSuite(name=name, expectations=list(expectations))


def _context():
    """The process's ephemeral GX context: no analytics, no progress bars."""
    with _lock:
        if "context" not in _gx:
            os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig

            context = gx.get_context(mode="ephemeral")
            context.variables.progress_bars = ProgressBarsConfig(globally=False)
            _gx["context"] = context
        return _gx["context"]


def _batch_definition(engine: str):
    """A whole-dataframe batch definition on the 'pandas' or 'spark' data source."""
    with _lock:
        if engine not in _gx:
            sources = _context().data_sources
            add = sources.add_spark if engine == "spark" else sources.add_pandas
            asset = add(name=f"smelter_{engine}").add_dataframe_asset(name="frames")
            _gx[engine] = asset.add_batch_definition_whole_dataframe("whole")
        return _gx[engine]


def _run(engine: str, frame: Any, suite: gx.ExpectationSuite, examples: int):
    result_format = {"result_format": "SUMMARY", "partial_unexpected_count": examples, "include_unexpected_rows": True}
    with _lock:  # GX's validator is not known to be thread-safe; Prefect may run tasks in threads
        batch = _batch_definition(engine).get_batch(batch_parameters={"dataframe": frame})
        return batch.validate(suite, result_format=result_format)


def _example_rows(unexpected_rows: Any, row_id: str) -> list[dict[str, Any]]:
    """GX's unexpected rows (a pandas frame, or Spark Rows/dicts) -> [{row, by, values}].

    A row is labelled by its ``row_id`` column when it has one, else by its pandas index (Spark: None).
    """
    if unexpected_rows is None:
        return []
    if hasattr(unexpected_rows, "to_dict"):
        records = list(zip(unexpected_rows.index, unexpected_rows.to_dict("records"), strict=False))
    else:
        records = [(None, r.asDict() if hasattr(r, "asDict") else dict(r)) for r in unexpected_rows]
    return [
        {
            "row": plain(values.get(row_id, label)),
            "by": row_id if row_id in values else "index",
            "values": plain(values),
        }
        for label, values in records
    ]


def _outcome(result: Any, row_id: str, frame_columns: list[str]) -> ExpectationOutcome:
    config = result.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    columns = kwargs.get("column") or kwargs.get("column_list") or kwargs.get("column_A")
    info = result.exception_info or {}
    errors = [info] if "exception_message" in info else list(info.values())
    error = next((e.get("exception_message") for e in errors if e.get("raised_exception")), None)
    missing = [c for c in ([columns] if isinstance(columns, str) else columns or []) if c not in frame_columns]
    if missing:  # GX's own message here is sometimes an IndexError
        error = f"column(s) {missing} not in the data (columns: {frame_columns})"
    body = result.result or {}
    return ExpectationOutcome(
        expectation=config.type,
        column=", ".join(columns) if isinstance(columns, list) else columns,
        success=bool(result.success),
        unexpected_count=body.get("unexpected_count"),
        element_count=body.get("element_count"),
        observed=plain(body.get("observed_value")),
        details=plain(body.get("details")),
        examples=_example_rows(body.get("unexpected_rows"), row_id),
        error=error,
        kwargs=plain(kwargs),
        expected=(config.meta or {}).get("expected"),
    )


def _validate(
    engine: str,
    frame: Any,
    suite,
    dataset_name: str,
    source: str,
    rows: int | None,
    row_id: str,
    examples: int,
    label: str | None = None,
) -> QualityReport:
    started = time.perf_counter()
    result = _run(engine, frame, suite, examples)
    outcomes = [_outcome(r, row_id, list(frame.columns)) for r in result.results]
    counts = [o.element_count for o in outcomes if o.element_count is not None]
    return QualityReport(
        dataset=dataset_name,
        source=str(source),
        engine=label or engine,
        suite=suite.name,
        rows=rows if rows is not None else (counts[0] if counts else None),
        seconds=round(time.perf_counter() - started, 3),
        results=outcomes,
    )


def validate_pandas(
    df: pd.DataFrame, suite, dataset_name: str, source: str, *, row_id: str = ROW_ID, examples: int = EXAMPLES
) -> QualityReport:
    """Run ``suite`` on a pandas frame. Example rows are labelled by ``row_id`` if present, else the index."""
    return _validate("pandas", df, suite, dataset_name, source, len(df), row_id, examples)


def _to_pandas(sdf: SparkDataFrame) -> pd.DataFrame:
    """``toPandas`` keeping logical types: dates as datetime64, integers with nulls as Int64 (not float)."""
    from pyspark.sql.types import BooleanType, DateType, IntegralType

    frame: pd.DataFrame = sdf.toPandas()
    casts = {}
    for field in sdf.schema.fields:
        kind, dtype = field.dataType, str(frame[field.name].dtype)
        if isinstance(kind, DateType):
            casts[field.name] = "datetime64[ns]"
        elif isinstance(kind, IntegralType) and dtype == "float64":  # nulls turned the ints to float
            casts[field.name] = "Int64"
        elif isinstance(kind, BooleanType) and dtype == "object":  # nulls turned the bools to object
            casts[field.name] = "boolean"
    return frame.astype(casts)


def validate_spark(
    sdf: SparkDataFrame,
    suite,
    dataset_name: str,
    source: str,
    *,
    row_id: str = ROW_ID,
    examples: int = EXAMPLES,
    via_pandas: bool = False,
    aggregates: bool = False,
    totals: dict[str, Any] | None = None,
) -> QualityReport:
    """Run ``suite`` on a Spark frame, in Spark (cache ``sdf`` first: each expectation is a Spark job).

    ``via_pandas``: collect with ``toPandas`` (date columns as datetime64) and validate in pandas instead,
    several times faster for laptop-size frames. ``aggregates``: compute the expectations Smelter's suites
    use on Spark-side aggregates (:mod:`smelter.quality_spark`: one job for every row-wise check, one per
    key), GX in Spark for the others: for frames too big for a job per expectation; ``totals``: the row-wise
    aggregates observed while the frame was written (:func:`smelter.quality_spark.totals`), so no job
    recomputes them. Example rows are labelled by ``row_id`` when present.
    """
    if aggregates:
        from smelter import quality_spark

        def in_gx(frame: SparkDataFrame, expectations: list) -> list[ExpectationOutcome]:
            rest = build_suite(suite.name, expectations)
            return _validate("spark", frame, rest, dataset_name, source, None, row_id, examples).results

        return quality_spark.validate(sdf, suite, dataset_name, source, row_id, examples, in_gx, totals)
    if via_pandas:
        frame = _to_pandas(sdf)
        return _validate(
            "pandas", frame, suite, dataset_name, source, len(frame), row_id, examples, label="spark via pandas"
        )
    return _validate("spark", sdf, suite, dataset_name, source, None, row_id, examples)


def enforce(report: QualityReport) -> QualityReport:
    """Return the report if every expectation held; else raise :class:`DataQualityError`."""
    if not report.success:
        raise DataQualityError(report)
    return report
