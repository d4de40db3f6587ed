"""Reading and publishing lake datasets, for pandas and Spark: the one I/O module.

Layout of a dataset folder (see :mod:`smelter.catalog` for where it is)::

    <layer>/<name>/_CURRENT              id of the published version (one line)
    <layer>/<name>/versions/<id>/data/   the Parquet files; with several formats one
                                         ``<name>.<format>`` each (a file, or a Spark part folder)
    <layer>/<name>/versions/<id>/_manifest.json
    <layer>/<name>/_staging/<id>/        a publish in progress

A publish writes everything into ``_staging/<id>``, renames it into
``versions/<id>`` (atomic on one filesystem) and only then points ``_CURRENT``
at it with an atomic replace. A failed or killed run leaves at most a stray
staging folder; readers always see a complete version. Older versions are kept
(``keep_versions``) for :func:`rollback`.

:class:`Lake` binds a root and ``keep_versions`` and takes catalog datasets
(:class:`smelter.catalog.Dataset` or ``"layer/name"``); the module functions below
are its one implementation, addressed by ``(root, layer, name)``.

A dataset the catalog marks ``storage="delta"`` is a Delta table at ``<layer>/<name>/`` instead
(:mod:`smelter.delta`): the same functions dispatch to it, its version ids are the table's
versions ("0", "1" ...), a publish may replace only the partitions it holds
(``replace="partitions"``) and ``keep_versions`` is applied by ``vacuum``.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from smelter import delta
from smelter.catalog import Dataset, dataset_dir, resolve, spec
from smelter.catalog import DatasetNotFoundError as DatasetNotFoundError  # re-exported: callers catch lake's

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa
    import pyarrow.dataset as pads
    from pyspark.sql import DataFrame as SparkDataFrame
    from pyspark.sql import SparkSession

    from smelter.settings import Settings

CURRENT = "_CURRENT"
MANIFEST = "_manifest.json"


@dataclass(frozen=True)
class Published:
    layer: str
    name: str
    version: str
    path: Path  # the version's data folder
    rows: int | None
    dataset: str = field(init=False)  # "<layer>/<name>"

    def __post_init__(self) -> None:
        object.__setattr__(self, "dataset", f"{self.layer}/{self.name}")


def _new_version_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:6]


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with tmp.open("w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def list_versions(root: Path, layer: str, name: str) -> list[str]:
    """Published version ids of a dataset, oldest first."""
    if _is_delta(layer, name):
        table = dataset_dir(root, layer, name)
        return [str(h.version) for h in reversed(delta.history(table))] if delta.exists(table) else []
    versions = dataset_dir(root, layer, name) / "versions"
    return sorted(p.name for p in versions.iterdir() if p.is_dir()) if versions.exists() else []


def current_version(root: Path, layer: str, name: str) -> str:
    if _is_delta(layer, name):
        return str(delta.current_version(_table(root, layer, name)))
    pointer = dataset_dir(root, layer, name) / CURRENT
    if not pointer.exists():
        raise DatasetNotFoundError(f"dataset {layer}/{name} has not been published under {root}")
    return pointer.read_text().strip()


def data_path(root: Path, layer: str, name: str, version: str | None = None) -> Path:
    """The data folder of a version (the current one by default); a Delta dataset's table folder."""
    if _is_delta(layer, name):
        delta.load(_table(root, layer, name), _delta_version(version))  # exists?
        return dataset_dir(root, layer, name)
    version = version or current_version(root, layer, name)
    path = dataset_dir(root, layer, name) / "versions" / version / "data"
    if not path.exists():
        raise DatasetNotFoundError(f"dataset {layer}/{name} has no version {version} under {root}")
    return path


def parquet_path(root: Path, layer: str, name: str, version: str | None = None) -> Path:
    """The Parquet part of a version: the data folder of a one-format dataset; with several formats
    ``<data>/<name>.parquet``, or else the data folder's one ``*.parquet`` entry (versions written
    before the catalog named their files, e.g. ``predictions.parquet``)."""
    ds = spec(layer, name)
    if ds.storage == "delta":
        raise ValueError(
            f"dataset {ds.key} is a Delta table: its files are smelter.delta.file_uris(table), "
            "read it with read_pandas/read_spark"
        )
    data = data_path(root, layer, name, version)
    path = ds.format_path(data, "parquet")
    if path.exists():
        return path
    found = sorted(data.glob("*.parquet"))
    if len(found) != 1:
        raise DatasetNotFoundError(
            f"dataset {ds.key} version {data.parent.name} has no {path.name} "
            f"(data folder {data} holds {sorted(p.name for p in data.iterdir())})"
        )
    return found[0]


def manifest(root: Path, layer: str, name: str, version: str | None = None) -> dict[str, Any]:
    if _is_delta(layer, name):
        return {"dataset": f"{layer}/{name}"} | delta.manifest(_table(root, layer, name), _delta_version(version))
    return json.loads((data_path(root, layer, name, version).parent / MANIFEST).read_text())


def publish(
    root: Path,
    layer: str,
    name: str,
    write: Callable[[Path], int | None],
    metadata: dict[str, Any] | None = None,
    keep_versions: int = 5,
) -> Published:
    """Publish a new version: ``write(folder)`` fills a fresh folder and returns its row count."""
    if _is_delta(layer, name):
        raise ValueError(f"dataset {layer}/{name} is a Delta table: publish it with publish_pandas or publish_spark")
    base = dataset_dir(root, layer, name)
    version = _new_version_id()
    staging = base / "_staging" / version
    (staging / "data").mkdir(parents=True)
    try:
        rows = write(staging / "data")
        doc = {
            "dataset": f"{layer}/{name}",
            "version": version,
            "rows": rows,
            "formats": list(spec(layer, name).formats),
            "published_at": datetime.now(UTC).isoformat(),
            "metadata": metadata or {},
        }
        _write_atomic(staging / MANIFEST, json.dumps(doc, indent=2, default=str))
        final = base / "versions" / version
        final.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _write_atomic(base / CURRENT, version + "\n")
    prune(root, layer, name, keep_versions)
    return Published(layer, name, version, final / "data", rows)


def prune(root: Path, layer: str, name: str, keep_versions: int) -> list[str]:
    """Delete the oldest versions beyond ``keep_versions``; never the current one."""
    current = current_version(root, layer, name)
    versions = list_versions(root, layer, name)
    keep = set(versions[-max(keep_versions, 1) :]) | {current}
    old = [v for v in versions if v not in keep]
    for v in old:
        shutil.rmtree(dataset_dir(root, layer, name) / "versions" / v, ignore_errors=True)
    return old


def rollback(root: Path, layer: str, name: str, version: str | None = None) -> str:
    """Point the dataset back at ``version`` (default: the one before the current). A Delta dataset
    gets a new version with that version's content; its id is returned."""
    if _is_delta(layer, name):
        return _rollback_delta(_table(root, layer, name), version)
    versions = list_versions(root, layer, name)
    current = current_version(root, layer, name)
    if version is None:
        older = [v for v in versions if v < current]
        if not older:
            raise DatasetNotFoundError(f"dataset {layer}/{name} has no version before {current}")
        version = older[-1]
    data_path(root, layer, name, version)  # exists?
    _write_atomic(dataset_dir(root, layer, name) / CURRENT, version + "\n")
    return version


# --- pandas -----------------------------------------------------------------------------------


def write_pandas(df: pd.DataFrame, ds: Dataset, folder: Path) -> int:
    """Write ``df`` into the data folder of ``ds`` in each of its formats (partitioned by its
    ``partition_by``); returns the row count."""
    parquet = ds.format_path(folder, "parquet")
    if ds.partition_by:
        df.to_parquet(parquet, partition_cols=list(ds.partition_by), index=False)
    else:
        df.to_parquet(parquet / "part-00000.parquet" if parquet == folder else parquet, index=False)
    if "csv" in ds.formats:
        df.to_csv(ds.format_path(folder, "csv"), index=False)
    return len(df)


def publish_pandas(
    df: pd.DataFrame,
    root: Path,
    layer: str,
    name: str,
    metadata: dict | None = None,
    keep_versions: int = 5,
    replace: delta.Replace = "all",
    *,
    read_version: str | None = None,
) -> Published:
    """Publish ``df``; a Delta dataset can also replace only the partitions ``df`` holds
    (``replace="partitions"``) and refuse the commit if the partitions changed since ``read_version``
    (the version ``df`` was computed from), see :func:`smelter.delta.write_spark`."""
    ds = spec(layer, name)
    return _publish_frame(
        df, delta.write_pandas, write_pandas, root, ds, metadata, keep_versions, replace, read_version
    )


def read_pandas(
    root: Path, layer: str, name: str, version: str | None = None, columns: list[str] | None = None
) -> pd.DataFrame:
    if _is_delta(layer, name):
        return delta.read_pandas(_table(root, layer, name), _delta_version(version), columns)
    return pd.read_parquet(parquet_path(root, layer, name, version), columns=columns)


# --- Spark ------------------------------------------------------------------------------------


def write_spark(sdf: SparkDataFrame, ds: Dataset, folder: Path) -> int:
    """Write ``sdf`` once as Parquet (partitioned by ``partition_by``), then copy that to the other
    formats so a lazy frame is computed once; returns the row count."""
    parquet = ds.format_path(folder, "parquet")
    writer = sdf.write.mode("overwrite")
    writer = writer.partitionBy(*ds.partition_by) if ds.partition_by else writer
    writer.parquet(str(parquet))
    written = sdf.sparkSession.read.parquet(str(parquet))
    if "csv" in ds.formats:
        written.write.option("header", True).csv(str(ds.format_path(folder, "csv")))
    return written.count()


def publish_spark(
    sdf: SparkDataFrame,
    root: Path,
    layer: str,
    name: str,
    metadata: dict | None = None,
    keep_versions: int = 5,
    replace: delta.Replace = "all",
    *,
    read_version: str | None = None,
    check: Callable[[SparkDataFrame], dict[str, Any] | None] | None = None,
) -> Published:
    """Publish ``sdf``, as :func:`publish_pandas` publishes a pandas frame. ``check(frame)`` runs before
    anything is published and may raise, or return more metadata: on a Delta dataset it gets the staged
    files (:func:`smelter.delta.write_spark`), else ``sdf`` itself."""
    ds = spec(layer, name)
    to_delta: Callable[..., delta.DeltaCommit] = delta.write_spark
    if check is not None and ds.storage == "delta":
        to_delta = partial(delta.write_spark, check=check)
    elif check is not None:
        metadata = {**(metadata or {}), **(check(sdf) or {})}
    return _publish_frame(sdf, to_delta, write_spark, root, ds, metadata, keep_versions, replace, read_version)


def read_spark(
    spark: SparkSession,
    root: Path,
    layer: str,
    name: str,
    version: str | None = None,
    partitions: Sequence[dict[str, Any]] | None = None,
    *,
    groups: Sequence[Sequence[dict[str, Any]]] | None = None,
) -> SparkDataFrame:
    """A version in Spark; ``partitions`` (Delta datasets only) reads just those partitions' files,
    ``groups`` lists of partitions each in a scan of its own (see :func:`smelter.delta.read_spark`)."""
    if _is_delta(layer, name):
        return delta.read_spark(spark, _table(root, layer, name), _delta_version(version), partitions, groups=groups)
    if partitions is not None or groups is not None:
        raise ValueError(f"dataset {layer}/{name} is stored as version folders: it cannot be read by partition")
    return spark.read.parquet(str(parquet_path(root, layer, name, version)))


# --- Delta tables (storage="delta": the dataset folder is the table) ---------------------------


def _is_delta(layer: str, name: str) -> bool:
    return spec(layer, name).storage == "delta"


def _table(root: Path, layer: str, name: str) -> Path:
    return dataset_dir(root, layer, name)


def _delta_version(version: str | None) -> int | None:
    if version is None:
        return None
    if not version.isdigit():
        raise DatasetNotFoundError(f"{version!r} is not a Delta table version (0, 1, 2 ...)")
    return int(version)


def _publish_frame(
    frame: Any,
    to_delta: Callable[..., delta.DeltaCommit],
    to_folder: Callable[[Any, Dataset, Path], int | None],
    root: Path,
    ds: Dataset,
    metadata: dict | None,
    keep_versions: int,
    replace: delta.Replace,
    read_version: str | None,
) -> Published:
    """Publish a pandas or Spark frame: ``to_delta`` commits it to a Delta dataset (then files older
    than ``keep_versions`` versions are vacuumed); ``to_folder`` fills a new version folder, which
    can neither replace partitions nor check a ``read_version``."""
    if ds.storage == "delta":
        table = _table(root, ds.layer, ds.name)
        commit = to_delta(frame, table, ds.partition_by, replace, metadata, read_version=_delta_version(read_version))
        delta.vacuum(table, keep_versions)
        return Published(ds.layer, ds.name, str(commit.version), table, commit.table_rows)
    if replace != "all" or read_version is not None:
        raise ValueError(
            f"dataset {ds.key} is stored as version folders: only Delta datasets replace partitions "
            "or check the version a publish was computed from"
        )
    return publish(root, ds.layer, ds.name, lambda folder: to_folder(frame, ds, folder), metadata, keep_versions)


def _no_folder(frame: Any, ds: Dataset, folder: Path) -> int | None:
    raise ValueError(f"dataset {ds.key} is stored as version folders: publish_pandas/publish_spark it")


def _rollback_delta(table: Path, version: str | None) -> str:
    """Restore ``version``, by default the one before the current content (a restored version's
    predecessor is the one before what it restored)."""
    target = _delta_version(version)
    if target is None:
        entry = delta.history(table)[0]
        target = int(entry.metadata.get("restored", entry.version)) - 1
        if target < 0:
            raise DatasetNotFoundError(f"Delta table {table} has no version before {entry.version}")
    return str(delta.restore(table, target))


# --- bound to a root --------------------------------------------------------------------------


@dataclass(frozen=True)
class Lake:
    """The lake under ``root``, keeping ``keep_versions`` versions of each dataset; every method takes a
    catalog :class:`~smelter.catalog.Dataset` or its key ``"layer/name"``."""

    root: Path
    keep_versions: int = 5

    @classmethod
    def of(cls, settings: Settings) -> Lake:
        """The lake of ``settings``: ``data_root`` and ``lake.keep_versions``."""
        return cls(Path(settings.data_root), settings.lake.keep_versions)

    def _at(self, ds: Dataset | str) -> tuple[Path, str, str]:
        d = resolve(ds)
        return self.root, d.layer, d.name

    def read_pandas(
        self, ds: Dataset | str, version: str | None = None, columns: list[str] | None = None
    ) -> pd.DataFrame:
        return read_pandas(*self._at(ds), version, columns)

    def read_spark(
        self,
        spark: SparkSession,
        ds: Dataset | str,
        version: str | None = None,
        partitions: Sequence[dict[str, Any]] | None = None,
        *,
        groups: Sequence[Sequence[dict[str, Any]]] | None = None,
    ) -> SparkDataFrame:
        return read_spark(spark, *self._at(ds), version, partitions, groups=groups)

    def publish_arrow(
        self,
        ds: Dataset | str,
        tables: Iterable[pa.Table],
        schema: pa.Schema,
        metadata: dict | None = None,
        replace: delta.Replace = "all",
    ) -> Published:
        """Publish a stream of Arrow tables as one version of a Delta dataset (memory follows one table)."""
        d = resolve(ds)
        if d.storage != "delta":
            raise ValueError(f"dataset {d.key} is stored as version folders: publish_pandas/publish_spark it")

        def to_delta(frame, table, partition_by, rep, meta, read_version=None) -> delta.DeltaCommit:
            return delta.write_arrow(frame, table, schema, partition_by, rep, meta, read_version=read_version)

        return _publish_frame(tables, to_delta, _no_folder, self.root, d, metadata, self.keep_versions, replace, None)

    def publish(
        self, ds: Dataset | str, write: Callable[[Path], int | None], metadata: dict[str, Any] | None = None
    ) -> Published:
        return publish(*self._at(ds), write, metadata, self.keep_versions)

    def publish_pandas(
        self,
        ds: Dataset | str,
        df: pd.DataFrame,
        metadata: dict | None = None,
        replace: delta.Replace = "all",
        *,
        read_version: str | None = None,
    ) -> Published:
        return publish_pandas(df, *self._at(ds), metadata, self.keep_versions, replace, read_version=read_version)

    def publish_spark(
        self,
        ds: Dataset | str,
        sdf: SparkDataFrame,
        metadata: dict | None = None,
        replace: delta.Replace = "all",
        *,
        read_version: str | None = None,
        check: Callable[[SparkDataFrame], dict[str, Any] | None] | None = None,
    ) -> Published:
        return publish_spark(
            sdf, *self._at(ds), metadata, self.keep_versions, replace, read_version=read_version, check=check
        )

    def parquet_files(self, ds: Dataset | str, version: str | None = None) -> Path | list[str]:
        """The Parquet data of a version: a Delta table's file list (partition columns live in folder names,
        not in the files), else the version's Parquet file or folder."""
        if resolve(ds).storage == "delta":
            return delta.file_uris(_table(*self._at(ds)), _delta_version(version))
        return self.parquet_path(ds, version)

    def arrow_dataset(self, ds: Dataset | str, version: str | None = None) -> pads.Dataset:
        """A version as a pyarrow dataset (lazy: schema, counts, filtered batches), whatever the storage."""
        import pyarrow.dataset as pads

        d = resolve(ds)
        if d.storage == "delta":
            return delta.load(_table(*self._at(ds)), _delta_version(version)).to_pyarrow_dataset()
        return pads.dataset(self.parquet_path(ds, version), format="parquet", partitioning="hive")

    def manifest(self, ds: Dataset | str, version: str | None = None) -> dict[str, Any]:
        return manifest(*self._at(ds), version)

    def current_version(self, ds: Dataset | str) -> str:
        return current_version(*self._at(ds))

    def list_versions(self, ds: Dataset | str) -> list[str]:
        return list_versions(*self._at(ds))

    def data_path(self, ds: Dataset | str, version: str | None = None) -> Path:
        return data_path(*self._at(ds), version)

    def parquet_path(self, ds: Dataset | str, version: str | None = None) -> Path:
        return parquet_path(*self._at(ds), version)

    def format_path(self, ds: Dataset | str, fmt: str, version: str | None = None) -> Path:
        """Where format ``fmt`` of a published version is (e.g. a predictions version's CSV)."""
        return resolve(ds).format_path(self.data_path(ds, version), fmt)

    def rollback(self, ds: Dataset | str, version: str | None = None) -> str:
        return rollback(*self._at(ds), version)
