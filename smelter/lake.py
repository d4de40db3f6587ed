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
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from smelter.catalog import Dataset, dataset_dir, resolve, spec

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame as SparkDataFrame
    from pyspark.sql import SparkSession

    from smelter.settings import Settings

CURRENT = "_CURRENT"
MANIFEST = "_manifest.json"


class DatasetNotFoundError(FileNotFoundError):
    """The dataset has never been published (or the version asked for does not exist)."""


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
    versions = dataset_dir(root, layer, name) / "versions"
    return sorted(p.name for p in versions.iterdir() if p.is_dir()) if versions.exists() else []


def current_version(root: Path, layer: str, name: str) -> str:
    pointer = dataset_dir(root, layer, name) / CURRENT
    if not pointer.exists():
        raise DatasetNotFoundError(f"dataset {layer}/{name} has not been published under {root}")
    return pointer.read_text().strip()


def data_path(root: Path, layer: str, name: str, version: str | None = None) -> Path:
    """The data folder of a version (the current one by default)."""
    version = version or current_version(root, layer, name)
    path = dataset_dir(root, layer, name) / "versions" / version / "data"
    if not path.exists():
        raise DatasetNotFoundError(f"dataset {layer}/{name} has no version {version} under {root}")
    return path


def parquet_path(root: Path, layer: str, name: str, version: str | None = None) -> Path:
    """The Parquet part of a version: the data folder of a one-format dataset; with several formats
    ``<data>/<name>.parquet``, or else the data folder's one ``*.parquet`` entry (versions written
    before the catalog named their files, e.g. ``predictions.parquet``)."""
    data = data_path(root, layer, name, version)
    ds = spec(layer, name)
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
    """Point the dataset back at ``version`` (default: the one before the current)."""
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
    df: pd.DataFrame, root: Path, layer: str, name: str, metadata: dict | None = None, keep_versions: int = 5
) -> Published:
    ds = spec(layer, name)
    return publish(root, layer, name, lambda folder: write_pandas(df, ds, folder), metadata, keep_versions)


def read_pandas(
    root: Path, layer: str, name: str, version: str | None = None, columns: list[str] | None = None
) -> pd.DataFrame:
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
    sdf: SparkDataFrame, root: Path, layer: str, name: str, metadata: dict | None = None, keep_versions: int = 5
) -> Published:
    ds = spec(layer, name)
    return publish(root, layer, name, lambda folder: write_spark(sdf, ds, folder), metadata, keep_versions)


def read_spark(spark: SparkSession, root: Path, layer: str, name: str, version: str | None = None) -> SparkDataFrame:
    return spark.read.parquet(str(parquet_path(root, layer, name, version)))


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

    def read_spark(self, spark: SparkSession, ds: Dataset | str, version: str | None = None) -> SparkDataFrame:
        return read_spark(spark, *self._at(ds), version)

    def publish(
        self, ds: Dataset | str, write: Callable[[Path], int | None], metadata: dict[str, Any] | None = None
    ) -> Published:
        return publish(*self._at(ds), write, metadata, self.keep_versions)

    def publish_pandas(self, ds: Dataset | str, df: pd.DataFrame, metadata: dict | None = None) -> Published:
        return publish_pandas(df, *self._at(ds), metadata, self.keep_versions)

    def publish_spark(self, ds: Dataset | str, sdf: SparkDataFrame, metadata: dict | None = None) -> Published:
        return publish_spark(sdf, *self._at(ds), metadata, self.keep_versions)

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
