"""Where batch-scoring rows come from: a lake features dataset's held-out rows or a user's .parquet/.csv.

For pandas and for Spark; an unsupported, missing or unreadable file is a clear
:class:`ScoringInputError` naming it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smelter.catalog import Dataset
from smelter.lake import Lake

HELD_OUT = "test"  # rows of a features dataset whose ``split`` is this are scored by default


class ScoringInputError(ValueError):
    """A scoring input file is missing, unreadable or of an unsupported type."""


def _file_kind(path: Path) -> str:
    kind = path.suffix.lower().lstrip(".")
    if kind not in ("parquet", "csv"):
        raise ScoringInputError(f"scoring input {path}: unsupported file type {path.suffix!r} (use .parquet or .csv)")
    if not path.exists():
        raise ScoringInputError(f"scoring input {path} does not exist")
    return kind


def input_columns(path: Path) -> list[str]:
    """Column names of a .parquet/.csv file or a lake data folder (its schema or header only)."""
    import pyarrow.dataset as ds

    try:
        if path.is_dir() or _file_kind(path) == "parquet":
            return ds.dataset(path, format="parquet").schema.names
        return list(pd.read_csv(path, nrows=0).columns)
    except ScoringInputError:
        raise
    except Exception as exc:
        raise ScoringInputError(f"scoring input {path} is unreadable: {exc}") from exc


def count_rows(path: Path) -> int:
    """Rows of a .parquet (footer metadata) or .csv (lines minus the header) file."""
    import pyarrow.dataset as ds

    if _file_kind(path) == "parquet":
        return ds.dataset(path, format="parquet").count_rows()
    with path.open("rb") as fh:
        return max(sum(1 for _ in fh) - 1, 0)


def read_input(path: Path) -> pd.DataFrame:
    """A user's .parquet or .csv file as a DataFrame; a clear error names an unreadable one."""
    try:
        return pd.read_parquet(path) if _file_kind(path) == "parquet" else pd.read_csv(path)
    except ScoringInputError:
        raise
    except Exception as exc:
        raise ScoringInputError(f"scoring input {path} is unreadable: {exc}") from exc


def read_held_out(lake: Lake, ds: Dataset) -> pd.DataFrame:
    """The ``split == "test"`` rows of a lake features dataset (without ``split``)."""
    df = lake.read_pandas(ds)
    return df[df["split"] == HELD_OUT].drop(columns="split").reset_index(drop=True)


def read_input_spark(spark, path: Path):
    """A user's .parquet or .csv file as a Spark DataFrame (CSV types inferred)."""
    kind = _file_kind(path)
    if kind == "parquet":
        return spark.read.parquet(str(path))
    return spark.read.option("header", True).option("inferSchema", True).csv(str(path))


def read_held_out_spark(spark, lake: Lake, ds: Dataset):
    sdf = lake.read_spark(spark, ds)
    return sdf.where(sdf["split"] == HELD_OUT).drop("split")


def held_out_rows(lake: Lake, ds: Dataset) -> int:
    import pyarrow.dataset as pads

    return lake.arrow_dataset(ds).count_rows(filter=pads.field("split") == HELD_OUT)


def describe_input(lake: Lake, input_path: str | Path | None, default_input: Dataset) -> dict:
    """Where the rows come from: path (None for the lake's held-out rows of ``default_input``), source
    text, columns, row count."""
    if input_path is None:
        return {
            "path": None,
            "source": f"{default_input.key} (split == {HELD_OUT!r})",
            "columns": lake.arrow_dataset(default_input).schema.names,
            "rows": held_out_rows(lake, default_input),
        }
    path = Path(input_path)
    return {"path": path, "source": str(path), "columns": input_columns(path), "rows": count_rows(path)}
