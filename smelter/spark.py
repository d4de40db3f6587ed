"""The shared Spark session: one per process, started on first use, and what a cluster needs of it.

``local[*]`` by default; point ``settings.spark.master`` at a cluster (``spark://host:7077``, ``yarn``)
or a Spark Connect endpoint (``sc://host:15002``) to scale out. On anything but a local master:

* the master's address must answer before a session is built (:func:`check_reachable`: a clear error
  naming the setting and the address within seconds, not a Java stack trace or a hang);
* the project's own packages reach the executors by the engine's mechanism (:func:`ship_project_code`:
  a zip of ``smelter`` and ``tasks`` with ``addPyFile``, or ``addArtifacts(pyfile=True)`` over Connect);
* executors must see the lake root at the same path (:func:`check_lake_visible`, once per session).

The small helpers (:func:`add_file`, :func:`default_parallelism`, ...) hide the differences between a
classic session and a Connect session (which has no ``SparkContext``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import tempfile
import threading
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlparse

from smelter.settings import Settings, SparkSettings

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession

_lock = threading.Lock()
_session: SparkSession | None = None
_lake_checked: set[tuple[str, str]] = set()  # (session, lake root) pairs already checked
SHIPPED_PACKAGES = ("smelter", "tasks")
T = TypeVar("T")


class SparkEngineError(RuntimeError):
    """The configured Spark engine is unreachable, or cannot do what the pipeline needs."""


class LakeNotVisibleError(SparkEngineError):
    """The executors cannot read the lake root at the driver's path: a set-up fault, not worth a retry."""


def get_spark(cfg: SparkSettings) -> SparkSession:
    """Return the process's Spark session, creating it from ``cfg`` the first time."""
    global _session
    with _lock:
        if _session is not None and not _is_stopped(_session):
            return _session
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        if cfg.master.startswith("local"):
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # stay on loopback, no hostname lookup
        from pyspark.sql import SparkSession

        check_reachable(cfg.master)
        if cfg.master.startswith("sc://"):
            builder = SparkSession.builder.remote(cfg.master)
        else:
            builder = (
                SparkSession.builder.master(cfg.master)
                .config("spark.driver.memory", cfg.driver_memory)
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
            )
        builder = (
            builder.appName(cfg.app_name)
            .config("spark.sql.shuffle.partitions", str(cfg.shuffle_partitions))
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            # the lake reads Delta tables by their file lists: list hundreds of paths on the driver (a few
            # ms) instead of a Spark job per read (~0.8 s, Spark's default above 32 paths)
            .config("spark.sql.sources.parallelPartitionDiscovery.threshold", "4096")
        )
        for key, value in cfg.extra_conf.items():
            builder = builder.config(key, value)
        _session = builder.getOrCreate()
        if not is_connect(_session):
            _session.sparkContext.setLogLevel("ERROR")
        if not cfg.master.startswith("local"):
            ship_project_code(_session)
        return _session


def _is_stopped(session: SparkSession) -> bool:
    try:
        return session.sparkContext._jsc is None  # classic session stopped
    except Exception:  # Spark Connect sessions have no SparkContext
        return False


def stop_spark() -> None:
    global _session
    with _lock:
        if _session is not None:
            _session.stop()
            _session = None


def get_lake_spark(settings: Settings) -> SparkSession:
    """The session for lake work: :func:`get_spark`, and on a cluster a check that executors see the lake."""
    spark = get_spark(settings.spark)
    if not settings.spark.master.startswith("local"):
        check_lake_visible(spark, Path(settings.data_root), settings.spark.master, settings.spark.executor_wait_seconds)
    return spark


def check_reachable(master: str, timeout: float = 5.0) -> None:
    """For ``spark://host:port`` and ``sc://host:port``: something must accept a TCP connection there within
    ``timeout`` seconds, else :class:`SparkEngineError` naming the setting and the address."""
    url = urlparse(master)
    if url.scheme not in ("spark", "sc"):
        return
    host, port = url.hostname or "localhost", url.port or (15002 if url.scheme == "sc" else 7077)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except OSError as exc:
        kind = "Spark Connect endpoint" if url.scheme == "sc" else "Spark master"
        raise SparkEngineError(
            f"settings spark.master (SMELTER_SPARK__MASTER) = {master!r}: no {kind} answers at {host}:{port} "
            f"({exc}); start it (make cluster / make connect) or fix the setting"
        ) from exc


def is_connect(spark: SparkSession) -> bool:
    """True for a Spark Connect session (no SparkContext, no RDDs)."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def session_key(spark: SparkSession) -> str:
    """An id of the session's application: the app id on a classic session, the session id over Connect."""
    return str(spark.session_id) if is_connect(spark) else spark.sparkContext.applicationId  # type: ignore[attr-defined]


def add_file(spark: SparkSession, path: str | Path) -> None:
    """Ship a file to every executor (``SparkFiles.get(name)`` there), by the engine's mechanism."""
    if is_connect(spark):
        spark.addArtifacts(str(path), file=True)
    else:
        spark.sparkContext.addFile(str(path))


def add_py_file(spark: SparkSession, path: str | Path) -> None:
    """Put a zip of Python packages on every executor's ``sys.path``, by the engine's mechanism."""
    if is_connect(spark):
        spark.addArtifacts(str(path), pyfile=True)
    else:
        spark.sparkContext.addPyFile(str(path))


def default_parallelism(spark: SparkSession) -> int:
    """How many tasks the cluster runs at once (over Connect: ``spark.default.parallelism`` or the shuffle
    partitions, as the Connect client cannot ask the scheduler)."""
    if not is_connect(spark):
        return spark.sparkContext.defaultParallelism
    value = spark.conf.get("spark.default.parallelism", None) or spark.conf.get("spark.sql.shuffle.partitions")
    return int(value or 2)


def num_partitions(sdf: DataFrame) -> int | None:
    """Partitions of a DataFrame, or None over Connect (no RDD to ask)."""
    return None if is_connect(sdf.sparkSession) else sdf.rdd.getNumPartitions()


def project_zip(dest: Path, packages: tuple[str, ...] = SHIPPED_PACKAGES) -> Path:
    """A zip of the project's own packages (as imported here, without caches), for executors' ``sys.path``."""
    import importlib

    archive = Path(dest) / f"smelter-code-{uuid.uuid4().hex[:8]}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for name in packages:
            root = Path(next(iter(importlib.import_module(name).__path__)))
            for path in sorted(root.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                    out.write(path, Path(name) / path.relative_to(root))
    return archive


def ship_project_code(spark: SparkSession) -> Path:
    """Zip ``smelter`` and ``tasks`` and add them to the session's executors; returns the zip."""
    archive = project_zip(Path(tempfile.mkdtemp(prefix="smelter-code-")))
    add_py_file(spark, archive)
    return archive


class NoExecutorsError(SparkEngineError):
    """No executor ran a job within the wait: the cluster has no workers or no free cores."""


def run_bounded(spark: SparkSession, job: Callable[[], T], seconds: float, master: str) -> T:
    """Run the Spark action ``job`` and wait at most ``seconds`` for it; past that, cancel it (by job tag,
    which both classic and Connect sessions support) and raise :class:`NoExecutorsError` naming the master.

    A cluster whose cores are all held by other applications accepts the job and waits silently;
    this turns that wait into an error."""
    tag = f"smelter-bounded-{uuid.uuid4().hex[:8]}"
    outcome: dict[str, object] = {}

    def target() -> None:
        spark.addTag(tag)  # tags are per thread
        try:
            outcome["value"] = job()
        except BaseException as exc:  # handed to the caller below
            outcome["error"] = exc
        finally:
            spark.removeTag(tag)

    thread = threading.Thread(target=target, name=tag, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        with contextlib.suppress(Exception):
            spark.interruptTag(tag)
        thread.join(30)
        raise NoExecutorsError(
            f"settings spark.master (SMELTER_SPARK__MASTER) = {master!r}: no executor ran the first job within "
            f"{seconds:g} s (settings spark.executor_wait_seconds): the cluster has no live workers, or other "
            "applications hold all its cores; free cores (stop an application or start a worker) or lower "
            "spark.cores.max of the others"
        )
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def check_lake_visible(spark: SparkSession, root: Path, master: str, wait_seconds: float = 120.0) -> None:
    """Executors must read the lake root at the path the driver uses (one shared filesystem or mount).

    Writes a marker file under ``root`` and has a Spark task read it back; anything else is a
    :class:`LakeNotVisibleError` naming the root and the master, before any pipeline job runs. The job
    is also the first one of the session: it waits at most ``wait_seconds`` for an executor
    (:func:`run_bounded`)."""
    key = (session_key(spark), str(root))
    if key in _lake_checked:
        return
    root.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex
    marker = root / f"smelter-lake-check-{token}.txt"  # not hidden: Spark skips files starting with . or _
    marker.write_text(token)
    try:
        rows = run_bounded(spark, spark.read.text(marker.resolve().as_uri()).collect, wait_seconds, master)
        seen = [row[0] for row in rows]
    except NoExecutorsError:
        raise
    except Exception as exc:
        seen = [f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"]
    finally:
        marker.unlink(missing_ok=True)
    if seen != [token]:
        raise LakeNotVisibleError(
            f"the executors of {master} cannot read the lake root {root} (settings data_root): it must be the "
            f"same path on every worker (one machine, or a shared mount); they saw {seen[:1]}"
        )
    _lake_checked.add(key)
