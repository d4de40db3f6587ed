"""Serving test helpers: a tiny registered LightGBM model, the real endpoint as a subprocess, requests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from email.message import Message
from pathlib import Path

import numpy as np
import pandas as pd

from smelter.settings import PROJECT_ROOT, Settings

MODEL = "demand-forecast"
KEY = "test-key-not-a-secret"


def tiny_frame() -> pd.DataFrame:
    """Ten rows of forecaster-like features: long, double and boolean columns."""
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "day_of_year": np.arange(1, 11, dtype="int64") * 30,
            "population": rng.uniform(1e6, 4e7, 10),
            "is_holiday": np.arange(10) % 4 == 0,
        }
    )


def register_tiny(settings: Settings, name: str, scale: float) -> str:
    """Fit, log (with signature) and register a tiny regressor; move ``@champion`` to it; returns its version."""
    import lightgbm as lgb
    import mlflow
    from mlflow import MlflowClient
    from mlflow.models import infer_signature

    from smelter.tracking import configure_mlflow, experiment_id, pip_requirements

    configure_mlflow(settings)
    X = tiny_frame()
    model = lgb.LGBMRegressor(
        n_estimators=5, min_child_samples=1, min_data_in_bin=1, verbose=-1, n_jobs=1, random_state=0
    ).fit(X, X["day_of_year"] * scale)
    with mlflow.start_run(experiment_id=experiment_id(settings, "serving-test")):
        info = mlflow.lightgbm.log_model(
            model,
            name="model",
            signature=infer_signature(X, model.predict(X)),
            pip_requirements=pip_requirements("lightgbm"),
        )
    version = mlflow.register_model(info.model_uri, name).version
    MlflowClient().set_registered_model_alias(name, "champion", version)
    return str(version)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url: str, body: bytes | dict | None = None, key: str | None = KEY) -> tuple[int, dict, Message]:
    """One HTTP request -> (status, JSON body, headers); POST when ``body`` is given."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=10) as r:
            return r.status, json.loads(r.read()), r.headers
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read()), err.headers


@contextmanager
def running_server(settings: Settings, log: Path, *, ready: bool = True, **serving_env: str):
    """Start ``python -m smelter.serving`` on a free port; yields its base URL; stops it after."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMELTER_") or k == "SMELTER_CONFIG"}
    env |= {
        "SMELTER_MLRUNS_ROOT": str(settings.mlruns_root),
        "SMELTER_DATA_ROOT": str(settings.data_root),
        "SMELTER_MLFLOW__TRACKING_URI": settings.tracking_uri,
        "SMELTER_SERVING__PORT": str(port),
    }
    env |= {f"SMELTER_SERVING__{k.upper()}": v for k, v in serving_env.items()}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "smelter.serving"], cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(proc, url, log, ready)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _wait_until_up(proc: subprocess.Popen, url: str, log: Path, ready: bool, timeout: float = 60) -> None:
    """Wait until /health answers (200 if ``ready``, any status otherwise)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            status, _, _ = call(f"{url}/health", key=None)
            if status == 200 or not ready:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"server at {url} not up in {timeout} s:\n{log.read_text()}")
