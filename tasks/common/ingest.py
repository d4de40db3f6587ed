"""Ingest: land a raw file in bronze, unchanged, with ingestion metadata.

Bronze keeps every column as the text the source had (raw data is immutable),
plus ``_source_file``, ``_source_sha256``, ``_source_row`` (1-based line in the
file, header = line 1), ``_ingested_at`` and ``_flow_run_id``. Re-ingesting a file
whose checksum is already the current bronze version publishes nothing new.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path

import pandas as pd
import pyarrow as pa

from smelter.catalog import Dataset
from smelter.lake import DatasetNotFoundError, Lake, Published
from smelter.results import DatasetPublished


class RawFileError(ValueError):
    """A raw source file is missing, empty or lacks required columns."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_raw_csv(path: Path, required: list[str]) -> pd.DataFrame:
    """Read a CSV as text columns; a missing file or column is a clear error naming it."""
    path = Path(path)
    if not path.is_file():
        raise RawFileError(f"raw source {path} does not exist")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise RawFileError(f"raw source {path} is not a readable CSV: {exc}") from exc
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise RawFileError(f"raw source {path} lacks column(s) {missing}; it has {list(df.columns)}")
    if df.empty:
        raise RawFileError(f"raw source {path} has a header but no rows")
    return df


def with_ingestion_metadata(df: pd.DataFrame, source: Path, sha256: str, run_id: str) -> pd.DataFrame:
    """Add the bronze metadata columns (see module doc)."""
    out = df.copy()
    out["_source_file"] = str(Path(source).resolve())
    out["_source_sha256"] = sha256
    out["_source_row"] = range(2, len(df) + 2)
    out["_ingested_at"] = datetime.now(UTC).isoformat()
    out["_flow_run_id"] = run_id
    return out


def ingest_csv(path: Path, lake: Lake, ds: Dataset, required: list[str], run_id: str) -> DatasetPublished:
    """Land ``path`` as the bronze dataset ``ds``; an unchanged file (same sha256 as the current
    version) publishes nothing and is reported with ``new`` False."""
    sha = file_sha256(path)
    try:
        current = lake.manifest(ds)
        if current["metadata"].get("source_sha256") == sha:
            return DatasetPublished(
                ds.key, current["version"], current["rows"], new=False, path=str(lake.data_path(ds, current["version"]))
            )
    except DatasetNotFoundError:
        pass
    df = with_ingestion_metadata(read_raw_csv(path, required), path, sha, run_id)
    pub = lake.publish_pandas(ds, df, {"source_file": str(path), "source_sha256": sha, "flow_run_id": run_id})
    return DatasetPublished.of(pub)


def current_run_id() -> str:
    from prefect.runtime import flow_run

    return str(flow_run.id or "local")


def landing_log_path(lake: Lake, ds: Dataset) -> Path:
    """Where the landing log of a bronze dataset lives: in its table folder (``_`` hides it from readers)."""
    return lake.root / ds.layer / ds.name / "_landing_log.json"


def ingest_landing(
    source: Path,
    lake: Lake,
    ds: Dataset,
    required: list[str],
    optional: list[str],
    date_column: str,
    run_id: str,
    replace_changed: bool = False,
) -> DatasetPublished:
    """Land the files of ``source`` (a CSV file or a folder of them) that bronze ``ds`` (a Delta table
    partitioned by landing month, :func:`tasks.common.landing.landing_month`) does not hold yet, in one
    commit; record them in the landing log as pending (see :mod:`tasks.common.landing`). The months the
    files fall in are rewritten as one file each: the rows other files put there are kept, a changed
    file's old rows are dropped. Bad files are a :class:`RawFileError` naming each, raised after the good
    ones have landed; nothing past bronze is touched here."""
    from tasks.common import landing

    log_path = landing_log_path(lake, ds)
    log = landing.read_log(log_path)
    files = landing.describe_all(landing.landing_files(source), log)
    plan = landing.plan_ingest(files, log, replace_changed)
    schema = pa.schema(
        [(c, pa.string()) for c in [*required, *optional]]
        + [(landing.SOURCE_ROW, pa.int32())]
        + [(c, pa.string()) for c in ("_source_sha256", "_ingested_at", "_flow_run_id", "source_file")]
        + [(landing.BRONZE_PARTITION, pa.string())]
    )
    migrate_bronze(lake, ds, schema)
    published: list[Published] = []

    def write(tables, names) -> None:
        months = sorted({landing.landing_month(n) for n in names})
        kept = kept_rows(lake, ds, months, names)
        meta = {"source": str(source), "files": names, "flow_run_id": run_id}
        partitions = [{landing.BRONZE_PARTITION: m} for m in months]
        published.append(lake.publish_arrow(ds, chain(kept, tables), schema, meta, partitions))

    done = landing.ingest_files(plan, log, required, optional, date_column, run_id, write)
    landing.write_log(log_path, done.log)
    if done.bad:
        raise RawFileError(
            f"{len(done.bad)} landing file(s) of {source} not ingested ({len(done.landed)} other(s) landed in "
            f"{ds.key} and wait for the next run):\n  " + "\n  ".join(done.bad)
        )
    detail = f"{len(done.landed)} file(s) landed, {len(done.skipped)} unchanged, {len(done.pending)} pending"
    if published:
        return replace(DatasetPublished.of(published[0]), detail=detail)
    version = lake.current_version(ds)
    return DatasetPublished(ds.key, version, None, new=False, detail=detail, path=str(lake.data_path(ds)))


def kept_rows(lake: Lake, ds: Dataset, months: list[str], names: list[str]) -> Iterator[pa.Table]:
    """The rows bronze ``ds`` holds in the landing ``months`` from files other than ``names`` (those
    a write of ``names`` rewrites into the months' new files), batch by batch."""
    import pyarrow.compute as pc

    from tasks.common.landing import BRONZE_PARTITION

    try:
        dataset = lake.arrow_dataset(ds)
    except DatasetNotFoundError:
        return
    wanted = pc.field(BRONZE_PARTITION).isin(months) & ~pc.field("source_file").isin(names)
    for batch in dataset.to_batches(filter=wanted):
        if batch.num_rows:
            yield pa.Table.from_batches([batch])


def migrate_bronze(lake: Lake, ds: Dataset, schema: pa.Schema) -> Path | None:
    """A bronze ``ds`` written before it was partitioned by landing month (one partition per file): its
    rows are written once into a new table of today's layout, which takes its place; the old table is
    moved to ``<layer>/_replaced/<name>-<time>`` (its versions stay readable there). Returns where it went."""
    import pyarrow.compute as pc

    from smelter import delta
    from tasks.common.landing import BRONZE_PARTITION, landing_month

    log = landing_log_path(lake, ds)
    table = log.parent
    try:
        partitioned = list(delta.load(table).metadata().partition_columns)
    except DatasetNotFoundError:
        return None
    if partitioned == list(ds.partition_by):
        return None

    def relaid() -> Iterator[pa.Table]:
        for batch in lake.arrow_dataset(ds).to_batches():
            if batch.num_rows:
                names = pc.unique(batch["source_file"])
                months = pa.array([landing_month(n) for n in names.to_pylist()], pa.string())
                month = pc.take(months, pc.index_in(batch["source_file"], names))
                yield pa.Table.from_batches([batch]).append_column(BRONZE_PARTITION, month)

    new = table.with_name(f"_{ds.name}-relaid")
    shutil.rmtree(new, ignore_errors=True)
    delta.write_arrow(relaid(), new, schema, ds.partition_by, "all", {"relaid_from": str(table)})
    moved = lake.root / ds.layer / "_replaced" / f"{ds.name}-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    moved.parent.mkdir(parents=True, exist_ok=True)
    if log.exists():
        shutil.copy2(log, new / log.name)
    os.replace(table, moved)
    os.replace(new, table)
    return moved
