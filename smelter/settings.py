"""The one settings object.

Built once when a flow or command starts, from (lowest to highest priority) the
defaults below, a TOML file (``smelter.toml`` in the project root, or the file
named by ``SMELTER_CONFIG``), environment variables ``SMELTER_<FIELD>`` (nested
fields with ``__``, e.g. ``SMELTER_SPARK__MASTER=spark://host:7077``) and keyword
overrides. Sub-settings are passed explicitly to the functions that need them.
"""
from __future__ import annotations

import os
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
_file_values: ContextVar[dict[str, Any]] = ContextVar("_file_values", default={})


class SparkSettings(BaseModel):
    """Where Spark runs: ``local[*]`` embedded by default, a cluster URL by configuration."""

    master: str = "local[*]"
    app_name: str = "smelter"
    shuffle_partitions: int = 4
    driver_memory: str = "4g"
    extra_conf: dict[str, str] = {}


class MlflowSettings(BaseModel):
    """Tracking and registry; ``None`` means the embedded SQLite store under ``mlruns/``."""

    tracking_uri: str | None = None
    registry_uri: str | None = None


class LakeSettings(BaseModel):
    """How many published versions of each dataset are kept for rollback."""

    keep_versions: int = 5


class ServingSettings(BaseModel):
    """The online endpoint: which registered model it serves, where, and its limits.

    The key comes from ``SMELTER_SERVING__API_KEY`` or ``api_key_file`` (kept outside
    the repository); with neither, scoring needs no key.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    model_uri: str = "models:/demand-forecast@champion"
    api_key: SecretStr | None = None
    api_key_file: Path | None = None
    max_rows: int = 1000
    alias_poll_seconds: float = 5.0
    batch_requests: bool = True  # score concurrent requests in one model call (row-wise models)
    model_threads: int = 1  # OpenMP threads per model call: 1 keeps small predicts off busy cores


class Settings(BaseSettings):
    """Everything configurable in Smelter, in one place."""

    model_config = SettingsConfigDict(env_prefix="SMELTER_", env_nested_delimiter="__", extra="ignore")

    data_root: Path = PROJECT_ROOT / "data"
    mlruns_root: Path = PROJECT_ROOT / "mlruns"
    seed: int = 42
    spark: SparkSettings = SparkSettings()
    mlflow: MlflowSettings = MlflowSettings()
    lake: LakeSettings = LakeSettings()
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
        file_source = InitSettingsSource(settings_cls, init_kwargs=_file_values.get())
        return init_settings, env_settings, file_source


def _read_config_file(config_file: Path | None) -> dict[str, Any]:
    import tomllib

    path = config_file or Path(os.environ.get("SMELTER_CONFIG", PROJECT_ROOT / "smelter.toml"))
    if not path.exists():
        if config_file is not None or "SMELTER_CONFIG" in os.environ:
            raise FileNotFoundError(f"Smelter config file not found: {path}")
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings: defaults < config file < ``SMELTER_*`` environment < ``overrides``."""
    token = _file_values.set(_read_config_file(config_file))
    try:
        return Settings(**overrides)
    finally:
        _file_values.reset(token)
