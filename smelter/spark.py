"""The shared Spark session: one per process, started on first use.

``local[*]`` by default; point ``settings.spark.master`` at a cluster
(``spark://host:7077``, ``yarn``, ``sc://host`` for Spark Connect) to scale out.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import TYPE_CHECKING

from smelter.settings import SparkSettings

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession

_lock = threading.Lock()
_session: SparkSession | None = None


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
        )
        for key, value in cfg.extra_conf.items():
            builder = builder.config(key, value)
        _session = builder.getOrCreate()
        if not cfg.master.startswith("sc://"):
            _session.sparkContext.setLogLevel("ERROR")
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
