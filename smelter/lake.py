"""Reading and publishing lake datasets, for pandas and Spark: the one I/O module.

Layout of a dataset folder (see :mod:`smelter.catalog` for where it is)::

    <layer>/<name>/_CURRENT              id of the published version (one line)
    <layer>/<name>/versions/<id>/data/   the Parquet files (and any other files)
    <layer>/<name>/versions/<id>/_manifest.json
    <layer>/<name>/_staging/<id>/        a publish in progress

A publish writes everything into ``_staging/<id>``, renames it into
``versions/<id>`` (atomic on one filesystem) and only then points ``_CURRENT``
at it with an atomic replace. A failed or killed run leaves at most a stray
staging folder; readers always see a complete version. Older versions are kept
(``keep_versions``) for :func:`rollback`.
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pandas as pd

from smelter.catalog import dataset_dir

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame as SparkDataFrame, SparkSession

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


def _new_version_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:6]


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
            "published_at": datetime.now(timezone.utc).isoformat(),
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
    keep = set(versions[-max(keep_versions, 1):]) | {current}
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

def publish_pandas(df: pd.DataFrame, root: Path, layer: str, name: str, metadata: dict | None = None,
                   keep_versions: int = 5) -> Published:
    def write(folder: Path) -> int:
        df.to_parquet(folder / "part-00000.parquet", index=False)
        return len(df)

    return publish(root, layer, name, write, metadata, keep_versions)


def read_pandas(root: Path, layer: str, name: str, version: str | None = None,
                columns: list[str] | None = None) -> pd.DataFrame:
    return pd.read_parquet(data_path(root, layer, name, version), columns=columns)


# --- Spark ------------------------------------------------------------------------------------

def publish_spark(sdf: "SparkDataFrame", root: Path, layer: str, name: str, metadata: dict | None = None,
                  keep_versions: int = 5) -> Published:
    def write(folder: Path) -> int:
        sdf.write.mode("overwrite").parquet(str(folder))
        return sdf.sparkSession.read.parquet(str(folder)).count()

    return publish(root, layer, name, write, metadata, keep_versions)


def read_spark(spark: "SparkSession", root: Path, layer: str, name: str,
               version: str | None = None) -> "SparkDataFrame":
    return spark.read.parquet(str(data_path(root, layer, name, version)))
