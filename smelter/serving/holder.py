"""The model the endpoint serves, and the poller that follows a registry alias.

``ModelHolder.current`` is one immutable :class:`ServedModel`. A request reads it
once and keeps that object to the end, so when the alias moves the poller loads
the new version fully first and then swaps the reference: requests in flight
finish on the old version, the next ones get the new one, none fails.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from smelter.registry import ModelRef, input_columns, resolve

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServedModel:
    """One loaded version: the pyfunc model, its identity and its input columns."""

    name: str
    version: str
    alias: str | None
    model: Any  # mlflow.pyfunc.PyFuncModel
    types: dict[str, tuple[str, bool]] | None  # column -> (MLflow type, required); None = unchecked

    def metadata(self) -> dict:
        """Name, version, alias and input schema, as the /metadata answer."""
        schema = self.model.metadata.get_input_schema()
        return {
            "name": self.name,
            "version": self.version,
            "alias": self.alias,
            "input_schema": schema.to_dict() if schema is not None else None,
        }


def load_version(ref: ModelRef, version: str) -> ServedModel:
    """Load ``models:/<name>/<version>`` completely (the registry and tracking URIs must be set)."""
    import mlflow.pyfunc

    model = mlflow.pyfunc.load_model(ref.pinned(version).uri)
    return ServedModel(ref.name, str(version), ref.alias, model, input_columns(model).types)


class ModelHolder:
    """Holds the served version of ``ref``; ``refresh()`` follows the alias, ``start()`` polls it."""

    def __init__(self, ref: ModelRef):
        self.ref = ref
        self.current: ServedModel | None = None
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def resolve(self) -> str:
        """The version the registry names now (the fixed version, or the alias' target)."""
        if self.ref.version is not None:
            return self.ref.version
        return resolve(self.ref).version

    def refresh(self) -> bool:
        """Load and swap in the registry's version if it differs from the served one; True if swapped."""
        version = self.resolve()
        if self.current is not None and self.current.version == version:
            return False
        served = load_version(self.ref, version)
        previous, self.current = self.current, served
        log.warning("serving %s version %s (was %s)", self.ref.name, version, previous.version if previous else "none")
        return True

    def _poll(self, every: float) -> None:
        while not self._stop.is_set():
            try:
                self.refresh()
                self.last_error = None
            except Exception as exc:  # registry down or a bad version: keep serving what we have
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.error("could not refresh %s: %s", self.ref, self.last_error)
            if self.ref.version is not None and self.current is not None:
                return  # a fixed version never moves
            self._stop.wait(every)

    def start(self, every: float) -> None:
        """Load in the background now, then re-check the alias every ``every`` seconds."""
        self._thread = threading.Thread(target=self._poll, args=(every,), name="alias-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
