"""A quality gate computed on Spark-side aggregates: for frames too big to collect and too big for one
Spark job per expectation.

The expectations Smelter's suites use are translated to Spark columns: every row-wise check (not
null, between, in set) is one ``sum(when(bad, 1))`` in ONE aggregation job; each uniqueness key is one
``groupBy``; schema checks read the frame's schema (no job). Example rows are fetched only for the
expectations that fail. Any other expectation (or one with options not translated, such as ``mostly``)
is run by Great Expectations in Spark. Outcomes match GX's: nulls are not unexpected except for
``not_null``; a uniqueness outcome counts every row of a repeated key.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from smelter.quality_report import ExpectationOutcome, QualityReport, plain

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import Column
    from pyspark.sql import DataFrame as SparkDataFrame

ROW_WISE = {
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
}
UNIQUE = {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}
SCHEMA = {
    "expect_table_columns_to_match_set",
    "expect_table_columns_to_match_ordered_list",
    "expect_column_values_to_be_in_type_list",
}
ROWS_PER_TASK = 1_000_000  # rows per task of a uniqueness check
HASH = "_smelter_key_hash"  # the key hash column of a uniqueness check
PLAIN_KWARGS = {
    "column",
    "column_list",
    "column_set",
    "exact_match",
    "type_list",
    "value_set",
    "min_value",
    "max_value",
}


@dataclass(frozen=True)
class Check:
    """One expectation as Smelter computes it: its GX type, kwargs, meta and (row-wise) the bad-row test."""

    kind: str
    kwargs: dict[str, Any]
    expected: str | None

    @property
    def columns(self) -> list[str]:
        found = self.kwargs.get("column") or self.kwargs.get("column_list") or []
        return [found] if isinstance(found, str) else list(found)

    def outcome(self, success: bool, **fields: Any) -> ExpectationOutcome:
        return ExpectationOutcome(
            expectation=self.kind,
            column=", ".join(self.columns) if self.columns else None,
            success=success,
            kwargs=plain(self.kwargs),
            expected=self.expected,
            **fields,
        )


def translatable(expectation) -> bool:
    """Whether :func:`validate` computes ``expectation`` itself (else GX runs it)."""
    config = expectation.configuration
    kwargs = {k: v for k, v in config.kwargs.items() if v is not None and k != "batch_id"}
    if config.type not in ROW_WISE | UNIQUE | SCHEMA or set(kwargs) - PLAIN_KWARGS:
        return False
    return config.type != "expect_compound_columns_to_be_unique" or config.kwargs.get("ignore_row_if") in (
        None,
        "all_values_are_missing",
    )


def _check(expectation) -> Check:
    config = expectation.configuration
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    return Check(config.type, kwargs, (config.meta or {}).get("expected"))


def _bad(check: Check) -> Column:
    """Rows the row-wise ``check`` finds unexpected (nulls only for not-null, as GX)."""
    from pyspark.sql import functions as F

    col = F.col(check.columns[0])
    if check.kind == "expect_column_values_to_not_be_null":
        return col.isNull()
    if check.kind == "expect_column_values_to_be_in_set":
        return col.isNotNull() & ~col.isin(list(check.kwargs["value_set"]))
    low, high = check.kwargs.get("min_value"), check.kwargs.get("max_value")
    outside = F.lit(False)
    if low is not None:
        outside = outside | (col < F.lit(low))
    if high is not None:
        outside = outside | (col > F.lit(high))
    return col.isNotNull() & outside


def _schema_outcome(check: Check, sdf: SparkDataFrame) -> ExpectationOutcome:
    """Columns and types, from the schema alone."""
    names = sdf.columns
    if check.kind == "expect_column_values_to_be_in_type_list":
        column = check.columns[0]
        if column not in names:
            return check.outcome(False, error=f"column(s) {[column]} not in the data (columns: {names})")
        observed = type(sdf.schema[column].dataType).__name__
        return check.outcome(observed in check.kwargs["type_list"], observed=observed)
    if check.kind == "expect_table_columns_to_match_ordered_list":
        return check.outcome(names == list(check.kwargs["column_list"]), observed=names)
    wanted, have = set(check.kwargs["column_set"]), set(names)
    exact = check.kwargs.get("exact_match", True) is not False
    return check.outcome(wanted == have if exact else wanted <= have, observed=names)


def _examples(rows: SparkDataFrame, row_id: str, examples: int) -> list[dict[str, Any]]:
    """Up to ``examples`` of ``rows``, labelled by their ``row_id`` (as GX's example rows are)."""
    found = [r.asDict() for r in rows.limit(examples).collect()]
    return [{"row": plain(v.get(row_id)), "by": row_id if row_id in v else "index", "values": plain(v)} for v in found]


def _row_wise_checks(suite) -> dict[int, Check]:
    """The translated row-wise checks of ``suite``, keyed by their index in it."""
    checks = {i: _check(e) for i, e in enumerate(suite.expectations) if translatable(e)}
    return {i: c for i, c in checks.items() if c.kind in ROW_WISE}


def _counts(checks: dict[int, Check], columns: list[str]) -> list[Column]:
    """``rows`` and a ``bad_<i>`` count per check ``i`` whose columns are all in ``columns``."""
    from pyspark.sql import functions as F

    sums = [
        F.sum(F.when(_bad(check), 1).otherwise(0)).alias(f"bad_{i}")
        for i, check in checks.items()
        if set(check.columns) <= set(columns)
    ]
    return [F.count(F.lit(1)).alias("rows"), *sums]


def totals(suite, columns: list[str]) -> list[Column]:
    """The aggregates the row-wise checks of ``suite`` need over a frame of ``columns``: ``rows`` and a
    ``bad_<i>`` count per translated row-wise expectation ``i`` (its index in the suite) whose columns
    exist. For ``DataFrame.observe``: computed by the job that writes the frame, not by a job of its own."""
    return _counts(_row_wise_checks(suite), columns)


def _row_wise(
    checks: dict[int, Check], sdf: SparkDataFrame, row_id: str, examples: int, known: dict[str, Any] | None
) -> tuple[int, dict[int, ExpectationOutcome]]:
    """The rows of ``sdf`` and the outcome of each row-wise check (keyed by its index in the suite): from
    the ``known`` totals (:func:`totals`, observed while the frame was written), else one aggregation job
    for all of them. Example rows of a failed check are read from ``sdf``."""
    missing = {i: [c for c in ch.columns if c not in sdf.columns] for i, ch in checks.items()}
    if known is None:
        known = sdf.agg(*_counts(checks, sdf.columns)).collect()[0].asDict()
    rows = int(known["rows"])
    outcomes = {}
    for i, check in checks.items():
        if missing[i]:
            error = f"column(s) {missing[i]} not in the data ({sdf.columns})"
            outcomes[i] = check.outcome(False, error=error)
            continue
        bad = int(known[f"bad_{i}"] or 0)
        found = _examples(sdf.where(_bad(check)), row_id, examples) if bad else []
        outcomes[i] = check.outcome(bad == 0, unexpected_count=bad, element_count=rows, examples=found)
    return rows, outcomes


def _key_hash(keys: list[str]) -> Column:
    """A 64-bit hash of a key's columns: equal keys hash equal (nulls included)."""
    from pyspark.sql import functions as F

    return F.xxhash64(*keys)


def _unique(check: Check, sdf: SparkDataFrame, rows: int, row_id: str, examples: int) -> ExpectationOutcome:
    """Rows sharing a key with another row (keys all null are skipped, as GX).

    One shuffle of 8-byte key hashes instead of the keys themselves (at 10M keys of a date and two
    strings about a third of the bytes): equal keys hash equal, so no repeated hash means no repeated
    key. The rows of a repeated hash (a repeated key, or rarely two keys that collide) are then counted
    exactly by their keys."""
    from pyspark.sql import functions as F

    keys = check.columns
    if missing := [c for c in keys if c not in sdf.columns]:
        return check.outcome(False, error=f"column(s) {missing} not in the data (columns: {sdf.columns})")
    present = F.lit(False)
    for key in keys:
        present = present | F.col(key).isNotNull()
    # one shuffle into about a million rows a task: with the few shuffle partitions of a laptop session each
    # task would hold tens of millions of distinct keys and spill
    tasks = max(rows // ROWS_PER_TASK, int(sdf.sparkSession.conf.get("spark.sql.shuffle.partitions") or 1))
    hashed = sdf.where(present).withColumn(HASH, _key_hash(keys))
    spread = hashed.select(HASH).repartition(tasks, HASH)
    repeated_hashes = spread.groupBy(HASH).agg(F.count(F.lit(1)).alias("n")).where(F.col("n") > 1).select(HASH)
    if not repeated_hashes.limit(1).collect():
        return check.outcome(True, unexpected_count=0, element_count=rows)
    suspects = hashed.join(F.broadcast(repeated_hashes), HASH, "left_semi").drop(HASH)
    repeated = suspects.groupBy(*keys).agg(F.count(F.lit(1)).alias("n")).where(F.col("n") > 1)
    bad = int(repeated.agg(F.sum("n")).collect()[0][0] or 0)
    if not bad:
        return check.outcome(True, unexpected_count=0, element_count=rows)
    found = _examples(sdf.join(repeated.select(*keys).limit(examples), keys, "left_semi"), row_id, examples)
    return check.outcome(False, unexpected_count=bad, element_count=rows, examples=found)


def validate(
    sdf: SparkDataFrame,
    suite,
    dataset_name: str,
    source: str,
    row_id: str,
    examples: int,
    fallback,
    known: dict[str, Any] | None = None,
) -> QualityReport:
    """Run ``suite`` on ``sdf`` as described in the module doc (cache ``sdf`` first: a few jobs read it).
    ``fallback(sdf, expectations)`` runs the expectations not translated (GX in Spark) and returns their
    outcomes. ``known``: the row-wise totals already observed (:func:`totals`), so no job recomputes them.
    The report lists outcomes in the suite's order."""
    started = time.perf_counter()
    expectations = list(suite.expectations)
    ours = {i: _check(e) for i, e in enumerate(expectations) if translatable(e)}
    rows, outcomes = _row_wise(_row_wise_checks(suite), sdf, row_id, examples, known)
    for i, check in ours.items():
        if check.kind in SCHEMA:
            outcomes[i] = _schema_outcome(check, sdf)
        elif check.kind in UNIQUE:
            outcomes[i] = _unique(check, sdf, rows, row_id, examples)
    others = [i for i in range(len(expectations)) if i not in ours]
    if others:
        outcomes.update(zip(others, fallback(sdf, [expectations[i] for i in others]), strict=True))
    return QualityReport(
        dataset=dataset_name,
        source=str(source),
        engine="spark aggregates",
        suite=suite.name,
        rows=rows,
        seconds=round(time.perf_counter() - started, 3),
        results=[outcomes[i] for i in range(len(expectations))],
    )
