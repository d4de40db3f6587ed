"""The one settings object.

Built once when a flow or command starts, from (lowest to highest priority) the
defaults below, a TOML file (``smelter.toml`` in the project root, or the file
named by ``SMELTER_CONFIG``), environment variables ``SMELTER_<FIELD>`` (nested
fields with ``__``, e.g. ``SMELTER_SPARK__MASTER=spark://host:7077``) and keyword
overrides. Sub-settings are passed explicitly to the functions that need them.

Every source is strict: a key that names no setting (``[mlfow]`` in the file,
``SMELTER_SPARK__MASTR`` in the environment, a misspelt override) is a
:class:`SettingsError` naming the key and where it came from, never silently ignored.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any, get_origin

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ENV_PREFIX = "SMELTER_"
# SMELTER_* variables that are not settings: the settings file's path, and the folder deployments'
# runs start in (prefect.yaml's pull step; the worker sets it).
NOT_SETTINGS = frozenset({"SMELTER_CONFIG", "SMELTER_PROJECT_DIR"})
_file_values: ContextVar[dict[str, Any]] = ContextVar("_file_values")  # the file's values, while building


class SettingsError(ValueError):
    """A configuration source holds a key that names no setting."""


class SparkSettings(BaseModel):
    """Where Spark runs: ``local[*]`` embedded by default, a cluster URL by configuration."""

    model_config = ConfigDict(extra="forbid")

    master: str = "local[*]"
    app_name: str = "smelter"
    shuffle_partitions: int = 4
    driver_memory: str = "4g"
    # on a cluster: how long the first job may wait for an executor (all cores held by other applications
    # is a silent wait in Spark) before it is cancelled with an error naming the master
    executor_wait_seconds: float = 120.0
    extra_conf: dict[str, str] = {}


class MlflowSettings(BaseModel):
    """Tracking and registry; ``None`` means the embedded SQLite store under ``mlruns/``."""

    model_config = ConfigDict(extra="forbid")

    tracking_uri: str | None = None
    registry_uri: str | None = None


class LakeSettings(BaseModel):
    """How many published versions of each dataset are kept for rollback, and how gates run."""

    model_config = ConfigDict(extra="forbid")

    keep_versions: int = 5
    # on a local master a quality gate collects the frame and validates it in pandas (faster for small
    # frames) up to this many rows; above it (and always on a cluster) on Spark-side aggregates, whose
    # row-wise counts a Delta dataset's write computes anyway (1.4M rows: pandas 5.6 s, aggregates ~1.5 s)
    gate_pandas_max_rows: int = 500_000


class ScoringSettings(BaseModel):
    """Batch scoring on the pandas engine: rows per model call, and how many calls run at once. A flow's
    own ``mini_batch_size`` / ``max_concurrency`` win over these."""

    model_config = ConfigDict(extra="forbid")

    # 100,000 rows a call: LightGBM's per-call cost is amortised (at 10,000 it is a tenth of the work), and
    # a stream holds about max_concurrency + 1 batches: ~100 MB at this size for the demand model's rows
    mini_batch_size: int = Field(100_000, ge=1)
    max_concurrency: int = Field(2, ge=1)


class ServingSettings(BaseModel):
    """The online endpoint: which registered model it serves, where, and its limits.

    The key comes from ``SMELTER_SERVING__API_KEY`` or ``api_key_file`` (kept outside
    the repository); with neither, scoring needs no key.
    """

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = 8000
    model_uri: str = "models:/demand-forecast@champion"
    api_key: SecretStr | None = None
    api_key_file: Path | None = None
    max_rows: int = 1000
    alias_poll_seconds: float = 5.0
    batch_requests: bool = True  # score concurrent requests in one model call (row-wise models)
    model_threads: int = 1  # OpenMP threads per model call: 1 keeps small predicts off busy cores
    monitor_rows: int = 10_000  # the latest request rows GET /monitoring compares with the training profile


class Settings(BaseSettings):
    """Everything configurable in Smelter, in one place. Build it with :func:`load_settings`, which
    checks every source for unknown keys."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid")

    data_root: Path = PROJECT_ROOT / "data"
    mlruns_root: Path = PROJECT_ROOT / "mlruns"
    seed: int = 42
    spark: SparkSettings = SparkSettings()
    mlflow: MlflowSettings = MlflowSettings()
    lake: LakeSettings = LakeSettings()
    scoring: ScoringSettings = ScoringSettings()
    serving: ServingSettings = ServingSettings()
    prefect_api_url: str | None = None
    notify_webhook_url: str | None = None  # a failed flow run posts its summary here (JSON, key "text")

    @property
    def tracking_uri(self) -> str:
        """The MLflow tracking URI in force (SQLite under ``mlruns/`` by default)."""
        return self.mlflow.tracking_uri or f"sqlite:///{self.mlruns_root.resolve()}/mlflow.db"

    @property
    def registry_uri(self) -> str:
        return self.mlflow.registry_uri or self.tracking_uri

    @property
    def artifact_root(self) -> Path:
        return self.mlruns_root.resolve() / "artifacts"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        file_source = InitSettingsSource(settings_cls, init_kwargs=_file_values.get({}))
        return init_settings, env_settings, file_source


def _read_config_file(config_file: Path | None) -> tuple[Path | None, dict[str, Any]]:
    """The settings file in force (``config_file``, else ``SMELTER_CONFIG``, else ``smelter.toml`` in the
    project root if it exists) and its values; ``(None, {})`` when there is none."""
    import tomllib

    path = config_file or Path(os.environ.get("SMELTER_CONFIG", PROJECT_ROOT / "smelter.toml"))
    if not path.exists():
        if config_file is not None or "SMELTER_CONFIG" in os.environ:
            raise FileNotFoundError(f"Smelter config file not found: {path}")
        return None, {}
    with path.open("rb") as fh:
        return path, tomllib.load(fh)


def _unknown_key(model: type[BaseModel], parts: Sequence[str]) -> tuple[str, list[str]] | None:
    """The first prefix of the key path ``parts`` below ``model`` that names no setting, with the names
    allowed at that level; ``None`` when the whole path is a setting (or lies in a free-form table)."""
    current: type[BaseModel] | None = model
    for depth, part in enumerate(parts, 1):
        fields = current.model_fields if current is not None else {}
        if part not in fields:
            return ".".join(parts[:depth]), list(fields)
        annotation = fields[part].annotation
        if annotation is dict or get_origin(annotation) is dict:
            return None  # a free-form table such as spark.extra_conf
        # a sub-model's keys are checked at the next level; a plain value has no sub-keys
        current = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return None


def _key_paths(values: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every leaf key path of nested ``values`` (an empty table is a leaf)."""
    for key, value in values.items():
        path = (*prefix, key)
        if isinstance(value, Mapping) and value:
            yield from _key_paths(value, path)
        else:
            yield path


def _describe(key: str, allowed: list[str], where: str) -> str:
    close = difflib.get_close_matches(key.rsplit(".", 1)[-1], allowed, n=1)
    return f"'{key}' in {where}" + (f" (did you mean '{close[0]}'?)" if close else "")


def unknown_settings(
    file_path: Path | None, file_values: Mapping[str, Any], environ: Mapping[str, str], overrides: Mapping[str, Any]
) -> list[str]:
    """One line per key that names no :class:`Settings` field: in the settings file, among the
    ``SMELTER_*`` environment variables (other than :data:`NOT_SETTINGS`) and in the overrides."""
    keys = [(str(file_path), path) for path in _key_paths(file_values)]
    keys += [
        (f"the environment ({name})", tuple(name[len(ENV_PREFIX) :].lower().split("__")))
        for name in sorted(environ)
        if name.upper().startswith(ENV_PREFIX) and name.upper() not in NOT_SETTINGS
    ]
    keys += [("the keyword overrides", path) for path in _key_paths(overrides)]
    return [_describe(*bad, where=where) for where, path in keys if (bad := _unknown_key(Settings, path))]


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings: defaults < config file < ``SMELTER_*`` environment < ``overrides``.

    Raises :class:`SettingsError` listing every unknown key and its source."""
    file_path, file_values = _read_config_file(config_file)
    if unknown := unknown_settings(file_path, file_values, os.environ, overrides):
        raise SettingsError("Unknown Smelter setting(s):\n  " + "\n  ".join(unknown))
    token = _file_values.set(file_values)
    try:
        return Settings(**overrides)
    finally:
        _file_values.reset(token)
