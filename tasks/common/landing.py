"""Landing files and what has become of them: the incremental half of ingest.

A source is one CSV file or a folder of them (an export job dropping ``daily_sales_2021-07-04.csv``
a day, or ``daily_sales_2021-07.csv`` a month). Each file is known by its name and the sha256 of its
bytes; the landing log (a JSON file beside the bronze table) records, per ingested file, its digest,
rows, date range and whether its rows have reached silver yet. A run ingests only what the log does
not hold:

* a new name is ingested;
* the same name and digest is skipped;
* the same name with other bytes is a :class:`ChangedFileError`, unless asked to replace it, or
  unless the earlier bytes never reached silver (a bad file that stopped the run, now fixed).

Per-file checks happen before a file reaches bronze (:func:`read_landing_csv`): a half-written file
(no newline at the end: still being copied), a missing column, a row with the wrong number of fields,
a date outside the period its name gives. Each is a :class:`RawFileError` naming file, column and row
(the 1-based line, the header being line 1).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow as pa

from tasks.common.ingest import RawFileError, file_sha256

PERIOD = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?$")  # ..._2021-07-04 (a day) or ..._2021-07 (a month)
SOURCE_ROW = "_source_row"
BRONZE_PARTITION = "landing_month"  # bronze's partition column: a month of landing files in one Parquet file
UNDATED = "undated"  # the bronze partition of files whose name gives no period
T = TypeVar("T")
R = TypeVar("R")


class ChangedFileError(RawFileError):
    """A landing file already ingested and refined has other bytes now; replacing it must be asked for."""


@dataclass(frozen=True)
class LandingFile:
    """A file in the landing zone: its name (the key), where it is, its digest and size."""

    name: str
    path: str
    sha256: str
    size: int
    mtime_ns: int = 0


@dataclass(frozen=True)
class FileRecord:
    """The landing log's entry of one ingested file."""

    name: str
    sha256: str
    size: int
    rows: int
    min_date: str | None  # ISO dates of the rows whose date parses; None if none does
    max_date: str | None
    ingested_at: str
    refined: bool = False  # its rows have reached silver and gold
    mtime_ns: int = 0


@dataclass(frozen=True)
class IngestPlan:
    """What a run does with the landing files: ingest ``new`` and ``replaced``, skip ``unchanged``."""

    new: list[LandingFile] = field(default_factory=list)
    replaced: list[LandingFile] = field(default_factory=list)
    unchanged: list[LandingFile] = field(default_factory=list)

    @property
    def to_ingest(self) -> list[LandingFile]:
        return [*self.new, *self.replaced]


def landing_files(source: Path, pattern: str = "*.csv") -> list[Path]:
    """The files of a source: the file itself, or a folder's ``pattern`` files by name (hidden and
    ``_``-prefixed files are in-progress copies by convention, and skipped)."""
    source = Path(source)
    if source.is_file():
        return [source]
    if not source.is_dir():
        raise RawFileError(f"landing source {source} does not exist")
    return sorted(p for p in source.glob(pattern) if p.is_file() and not p.name.startswith((".", "_")))


def describe(path: Path, known: FileRecord | None = None) -> LandingFile:
    """A landing file's name, path, digest and size. A file the log ``known`` with the same size and
    modification time is not read again (as make and rsync do): its digest is the logged one."""
    path = Path(path)
    stat = path.stat()
    if known is not None and known.size == stat.st_size and known.mtime_ns == stat.st_mtime_ns:
        return LandingFile(path.name, str(path.resolve()), known.sha256, stat.st_size, stat.st_mtime_ns)
    return LandingFile(path.name, str(path.resolve()), file_sha256(path), stat.st_size, stat.st_mtime_ns)


def describe_all(paths: list[Path], log: dict[str, FileRecord], workers: int | None = None) -> list[LandingFile]:
    """:func:`describe` each path (what the log knows of it by name), hashing new files in ``workers``
    threads (default: one a core; hashlib hashes without the GIL)."""
    with ThreadPoolExecutor(workers or os.cpu_count() or 1, thread_name_prefix="landing") as pool:
        return list(pool.map(lambda p: describe(p, log.get(Path(p).name)), paths))


def read_log(path: Path) -> dict[str, FileRecord]:
    """The landing log at ``path`` (empty if there is none yet)."""
    path = Path(path)
    if not path.exists():
        return {}
    return {r["name"]: FileRecord(**r) for r in json.loads(path.read_text())["files"]}


def write_log(path: Path, records: dict[str, FileRecord]) -> None:
    """Replace the log atomically (a reader never sees half of it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    doc = {"files": [asdict(records[name]) for name in sorted(records)]}
    tmp.write_text(json.dumps(doc, indent=1))
    tmp.replace(path)


def plan_ingest(files: Iterable[LandingFile], log: dict[str, FileRecord], replace_changed: bool = False) -> IngestPlan:
    """Sort the landing files by what the log knows of them (see the module doc); every changed file
    that may not be replaced is named in one :class:`ChangedFileError`."""
    plan = IngestPlan()
    refused = []
    for f in files:
        known = log.get(f.name)
        if known is None:
            plan.new.append(f)
        elif known.sha256 == f.sha256:
            plan.unchanged.append(f)
        elif replace_changed or not known.refined:
            plan.replaced.append(f)
        else:
            refused.append(f"{f.path}: sha256 {f.sha256[:12]}... was {known.sha256[:12]}... when ingested")
    if refused:
        raise ChangedFileError(
            "landing file(s) changed since they were ingested and refined (pass replace_changed=True, "
            "--replace-changed, to re-ingest them and recompute the dates they cover):\n  " + "\n  ".join(refused)
        )
    return plan


def period_of(name: str) -> tuple[date, date] | None:
    """The days a file's name says it holds: ``..._2021-07-04.csv`` one day, ``..._2021-07.csv`` a month;
    None for a name without a period (a file of any dates)."""
    match = PERIOD.search(Path(name).stem)
    if not match:
        return None
    year, month, day = int(match[1]), int(match[2]), match[3]
    try:
        if day is not None:
            first = date(year, month, int(day))
            return first, first
        first = date(year, month, 1)
    except ValueError:
        return None
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def _line_of_bad_row(raw: bytes, width: int) -> tuple[int, int]:
    """(1-based line, field count) of the first row whose field count is not ``width``."""
    for number, row in enumerate(csv.reader(io.StringIO(raw.decode("utf-8", errors="replace"))), start=1):
        if row and len(row) != width:
            return number, len(row)
    return 0, width


def read_landing_csv(
    path: Path, required: list[str], date_column: str | None = None, date_format: str = "%m/%d/%Y"
) -> tuple[pa.Table, tuple[str | None, str | None]]:
    """Read a landing CSV as text columns plus ``_source_row`` (its line); returns the table and the
    (min, max) ISO dates of ``date_column``. Checks: a complete last line, the ``required`` columns,
    every row's field count, and (when the name gives a period) every parsable date inside it."""
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    path = Path(path)
    raw = path.read_bytes()
    if not raw.strip():
        raise RawFileError(f"landing file {path} is empty")
    if not raw.endswith(b"\n"):
        line = raw.count(b"\n") + 1
        raise RawFileError(
            f"landing file {path}: row {line} (its last line) has no line end: the file looks half-written "
            "(still being copied?); it is not ingested; the next run takes it once it is complete"
        )
    header = next(csv.reader(io.StringIO(raw.split(b"\n", 1)[0].decode("utf-8", errors="replace"))))
    names = [h.strip() for h in header]
    if missing := [c for c in required if c not in names]:
        raise RawFileError(f"landing file {path} lacks column(s) {missing}; it has {names}")
    try:
        table = pcsv.read_csv(
            io.BytesIO(raw),
            read_options=pcsv.ReadOptions(column_names=names, skip_rows=1),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        line, got = _line_of_bad_row(raw, len(names))
        raise RawFileError(
            f"landing file {path}: row {line} has {got} fields, the header {len(names)} ({exc})"
        ) from exc
    if table.num_rows == 0:
        raise RawFileError(f"landing file {path} has a header but no rows")
    table = table.append_column(SOURCE_ROW, pa.array(np.arange(2, table.num_rows + 2, dtype=np.int32)))
    if date_column is None:
        return table, (None, None)
    dates = pc.strptime(pc.utf8_trim_whitespace(table[date_column]), date_format, "s", error_is_null=True).cast(
        pa.date32()
    )
    period = period_of(path.name)
    if period is not None:
        outside = pc.and_(pc.is_valid(dates), pc.or_(pc.less(dates, period[0]), pc.greater(dates, period[1])))
        if pc.any(outside).as_py():
            index = pc.index(outside, True).as_py()
            where = "day" if period[0] == period[1] else "month"
            raise RawFileError(
                f"landing file {path}: column {date_column!r}, row {index + 2}: {table[date_column][index].as_py()!r} "
                f"is outside the {where} its name gives ({period[0]}..{period[1]}); {pc.sum(outside).as_py()} "
                "row(s) like it"
            )
    low, high = pc.min(dates).as_py(), pc.max(dates).as_py()
    return table, (low and low.isoformat(), high and high.isoformat())


def record(f: LandingFile, rows: int, dates: tuple[str | None, str | None]) -> FileRecord:
    """The log entry of a file just ingested (not yet refined)."""
    return FileRecord(
        f.name, f.sha256, f.size, rows, dates[0], dates[1], datetime.now(UTC).isoformat(), mtime_ns=f.mtime_ns
    )


def months_of(records: Iterable[FileRecord]) -> list[tuple[int, int]]:
    """Every (year, month) the records' date ranges touch, in order."""
    months: set[tuple[int, int]] = set()
    for r in records:
        if r.min_date is None or r.max_date is None:
            continue
        low, high = date.fromisoformat(r.min_date), date.fromisoformat(r.max_date)
        y, m = low.year, low.month
        while (y, m) <= (high.year, high.month):
            months.add((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return sorted(months)


def files_covering(log: dict[str, FileRecord], months: Iterable[tuple[int, int]]) -> list[str]:
    """Names of the logged files with rows in any of ``months``: what recomputing those months reads."""
    wanted = set(months)
    return sorted(name for name, r in log.items() if wanted & set(months_of([r])))


def within_months(log: dict[str, FileRecord], names: Iterable[str], months: Iterable[tuple[int, int]]) -> bool:
    """Whether every row of the files ``names`` lies in ``months`` (by their logged date ranges): then
    reading them needs no filter by month."""
    wanted = set(months)
    return all(set(months_of([log[name]])) <= wanted for name in names)


def landing_month(name: str) -> str:
    """A landing file's bronze partition: the month its name gives (``..._2021-07-04.csv`` and
    ``..._2021-07.csv``: ``"2021-07"``), or ``"undated"`` for a name without a period (a file of any
    dates). It follows from the name alone, so a changed file's old and new rows share a partition."""
    period = period_of(name)
    return f"{period[0]:%Y-%m}" if period else UNDATED


def partitions_by_year(names: Iterable[str]) -> list[list[dict[str, str]]]:
    """The bronze partitions holding the files ``names``, grouped by year (in order; the undated partition
    alone, last): reading each group by a scan of its own in few tasks keeps a year's rows together, so a
    write partitioned by month writes about a file a month a task (see :func:`smelter.delta.read_spark`)."""
    months = sorted({landing_month(name) for name in names} - {UNDATED})
    years: dict[str, list[dict[str, str]]] = {}
    for month in months:
        years.setdefault(month[:4], []).append({BRONZE_PARTITION: month})
    undated = [[{BRONZE_PARTITION: UNDATED}]] if any(landing_month(n) == UNDATED for n in names) else []
    return [years[y] for y in sorted(years)] + undated


def files_in_partitions(log: dict[str, FileRecord], partitions: Iterable[dict[str, str]]) -> list[str]:
    """The logged files whose rows are in the bronze ``partitions`` (what reading those partitions reads)."""
    wanted = {p[BRONZE_PARTITION] for p in partitions}
    return sorted(name for name in log if landing_month(name) in wanted)


def mark_refined(log: dict[str, FileRecord], names: Iterable[str]) -> dict[str, FileRecord]:
    """The log with ``names`` marked as reached silver."""
    out = dict(log)
    for name in names:
        out[name] = replace(out[name], refined=True)
    return out


@dataclass(frozen=True)
class LandingIngest:
    """What :func:`ingest_files` did: the files it landed, the ones it skipped, the bad ones (with why)
    and the landing log to record once bronze holds the landed files."""

    landed: list[FileRecord]
    skipped: list[str]
    bad: list[str]
    log: dict[str, FileRecord]

    @property
    def pending(self) -> list[FileRecord]:
        """Every logged file whose rows have not reached silver yet (this run's and earlier runs')."""
        return [r for r in self.log.values() if not r.refined]


def bronze_table(table: pa.Table, f: LandingFile, columns: list[str], ingested_at: str, run_id: str) -> pa.Table:
    """A landing file's rows as bronze: ``columns`` as text (a missing optional column is null), its line
    number, and the metadata columns ``source_file`` (the file's name), ``_source_sha256``, ``_ingested_at``,
    ``_flow_run_id`` and ``landing_month`` (its bronze partition, :func:`landing_month`)."""
    n = table.num_rows
    arrays = {c: table[c] if c in table.column_names else pa.nulls(n, pa.string()) for c in columns}
    arrays[SOURCE_ROW] = table[SOURCE_ROW]
    constants = {
        "_source_sha256": f.sha256,
        "_ingested_at": ingested_at,
        "_flow_run_id": run_id,
        "source_file": f.name,
        BRONZE_PARTITION: landing_month(f.name),
    }
    for name, value in constants.items():  # no Python list of n values: 100M rows are 400M objects
        arrays[name] = pa.repeat(pa.scalar(value, pa.string()), n)
    return pa.table(arrays)


def ingest_files(
    plan: IngestPlan,
    log: dict[str, FileRecord],
    required: list[str],
    optional: list[str],
    date_column: str,
    run_id: str,
    write: Callable[[Iterator[pa.Table], list[str]], object],
    workers: int | None = None,
) -> LandingIngest:
    """Read and check every file ``plan`` ingests and hand the good ones, in the plan's order, as bronze
    tables to ``write(tables, names)`` (one commit that replaces what bronze held under those names). Files
    are read by ``workers`` threads (default: one a core; pyarrow parses without the GIL), a few ahead
    of the writer: memory follows a few files, not the run. Bad files are collected, not raised: the good
    ones still land, and the caller fails the run after recording them."""
    landed: list[FileRecord] = []
    bad: list[str] = []
    now = datetime.now(UTC).isoformat()

    def read(f: LandingFile) -> tuple[pa.Table, FileRecord]:
        table, dates = read_landing_csv(Path(f.path), required, date_column)
        return bronze_table(table, f, [*required, *optional], now, run_id), record(f, table.num_rows, dates)

    def tables() -> Iterator[pa.Table]:
        for outcome in _in_threads(read, plan.to_ingest, workers or os.cpu_count() or 1):
            if isinstance(outcome, RawFileError):
                bad.append(str(outcome))
                continue
            table, rec = outcome
            landed.append(rec)
            yield table

    if plan.to_ingest:
        write(tables(), [f.name for f in plan.to_ingest])
    return LandingIngest(landed, [f.name for f in plan.unchanged], bad, {**log, **{r.name: r for r in landed}})


def _in_threads(fn: Callable[[T], R], items: list[T], workers: int) -> Iterator[R | RawFileError]:
    """``fn`` of each item, in order, computed by ``workers`` threads at most ``2 * workers`` items ahead
    of the consumer; a :class:`RawFileError` is yielded in its item's place, anything else raised."""
    with ThreadPoolExecutor(workers, thread_name_prefix="landing") as pool:
        ahead: deque[Future] = deque()
        todo = iter(items)
        for item in islice(todo, 2 * workers):
            ahead.append(pool.submit(fn, item))
        while ahead:
            future = ahead.popleft()
            for item in islice(todo, 1):
                ahead.append(pool.submit(fn, item))
            try:
                yield future.result()
            except RawFileError as exc:
                yield exc


def months_to_refresh(log: dict[str, FileRecord], backfill: tuple[str, str] | None = None) -> list[tuple[int, int]]:
    """The (year, month) partitions a run recomputes: those the pending files touch; for a backfill
    over ``(start, end)`` (ISO dates), every month in that range that any logged file touches."""
    if backfill is None:
        return months_of(r for r in log.values() if not r.refined)
    low, high = date.fromisoformat(backfill[0]), date.fromisoformat(backfill[1])
    return [m for m in months_of(log.values()) if (low.year, low.month) <= m <= (high.year, high.month)]
