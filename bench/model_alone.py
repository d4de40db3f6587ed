"""The model alone: in-process pyfunc predict latency, the floor under any server's latency.

    python -m bench.model_alone --model-uri models:/bench-demand@champion body1.json body100.json

Run by :mod:`bench.bench_serving` in its own process with the servers' environment
(tracking URI, ``OMP_THREAD_LIMIT``). Each body is a scoring request; its rows are
typed as the endpoint types them. Prints one JSON line: body file -> p50_ms, p99_ms.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd


def latency(model, frame: pd.DataFrame, calls: int = 500) -> dict:
    """p50 and p99 milliseconds of ``model.predict(frame)`` over ``calls`` calls after a warm-up."""
    for _ in range(20):
        model.predict(frame)
    times = []
    for _ in range(calls):
        began = time.perf_counter()
        model.predict(frame)
        times.append(time.perf_counter() - began)
    ms = np.array(times) * 1e3
    return {"p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99))}


def main() -> None:
    from smelter.registry import parse_model_uri, resolve
    from smelter.serving.app import request_columns
    from smelter.serving.holder import load_version
    from smelter.settings import load_settings
    from smelter.tracking import configure_mlflow

    p = argparse.ArgumentParser(prog="python -m bench.model_alone")
    p.add_argument("--model-uri", required=True)
    p.add_argument("bodies", nargs="+", type=Path)
    a = p.parse_args()
    configure_mlflow(load_settings())
    ref = parse_model_uri(a.model_uri)
    served = load_version(ref, resolve(ref).version)
    frames = {b.name: pd.DataFrame(request_columns(b.read_bytes(), served, 10**6)) for b in a.bodies}
    print(json.dumps({name: latency(served.model, frame) for name, frame in frames.items()}))


if __name__ == "__main__":
    main()
