"""Online endpoint latency and throughput: ``python -m smelter.serving`` vs ``mlflow models serve``.

    python -m bench.bench_serving [--seconds 2] [--rounds 3] [--concurrency 1 8 32] [--rows 1 100]

Serves ``models:/demand-forecast@champion`` from the project's MLflow store if it is
registered there (read only); otherwise trains the forecaster pipeline (category cast +
LightGBM, 100 trees x 31 leaves) on synthetic gold-shaped rows into a temporary store.
Three servers run at once on loopback, one worker each: Smelter's endpoint, the same with
``--no-batching``, and ``mlflow models serve --env-manager local``. A separate load-generator
process (:mod:`bench.loadgen`) posts the same ``dataframe_split`` body to each in turn.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

from bench.bench_scoring import register, synthetic_gold
from bench.processes import cpu_seconds, free_port, start, stop
from smelter.settings import PROJECT_ROOT, Settings, load_settings
from smelter.tracking import configure_mlflow
from tasks.demand_forecast.train import short_form

KEY = "bench-key"


def champion_uri(settings: Settings, name: str) -> str | None:
    """``models:/<name>@champion`` if that alias exists in the store, else None."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    if settings.mlflow.tracking_uri is None and not (settings.mlruns_root / "mlflow.db").exists():
        return None
    configure_mlflow(settings)
    try:
        MlflowClient().get_model_version_by_alias(name, "champion")
    except MlflowException:
        return None
    return f"models:/{name}@champion"


def split_body(rows: int) -> bytes:
    """A ``dataframe_split`` body of ``rows`` requests in the short form a caller sends: ISO date, state."""
    frame = short_form(synthetic_gold(max(rows, 51), seed=7).head(rows))
    return json.dumps({"dataframe_split": json.loads(frame.to_json(orient="split", index=False))}).encode()


def predict_once(url: str, body: bytes) -> list[float]:
    """The predicted units of one request (records of a DataFrame-returning model, or plain numbers)."""
    req = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json", "Authorization": f"Bearer {KEY}"}
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        answer = json.loads(r.read())["predictions"]
    return [row["prediction"] if isinstance(row, dict) else row for row in answer]


def load(url: str, body_file: Path, concurrency: int, seconds: float, server_pid: int) -> dict:
    """Run :mod:`bench.loadgen` in its own process against ``url``; its stats plus the server's
    CPU milliseconds per request (``cpu_ms``: what the server costs whatever else loads the machine)."""
    cmd = [
        sys.executable,
        "-m",
        "bench.loadgen",
        "--url",
        url,
        "--body-file",
        str(body_file),
        "--concurrency",
        str(concurrency),
        "--seconds",
        str(seconds),
        "--header",
        f"Authorization: Bearer {KEY}",
    ]
    before = cpu_seconds(server_pid)
    stats = json.loads(subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, check=True, text=True).stdout)
    return stats | {"cpu_ms": (cpu_seconds(server_pid) - before) * 1e3 / max(stats["all_requests"], 1)}


def server_env(settings: Settings, threads: int) -> dict[str, str]:
    """The environment every server (and the model-alone run) gets: same store, key, model threads."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMELTER_")}
    return env | {
        "SMELTER_MLRUNS_ROOT": str(settings.mlruns_root),
        "MLFLOW_TRACKING_URI": settings.tracking_uri,
        "SMELTER_MLFLOW__TRACKING_URI": settings.tracking_uri,
        "SMELTER_SERVING__API_KEY": KEY,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",  # mlflow runs `uvicorn`
        "OMP_THREAD_LIMIT": str(threads),
    }  # the same model threads for every server


def model_alone(env: dict[str, str], model_uri: str, bodies: dict[int, Path]) -> str:
    """One line: in-process pyfunc predict p50/p99 per body, from :mod:`bench.model_alone` in its own process."""
    cmd = [sys.executable, "-m", "bench.model_alone", "--model-uri", model_uri, *map(str, bodies.values())]
    stats = json.loads(
        subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, check=True, text=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    return "; ".join(
        f"{rows} rows p50 {stats[path.name]['p50_ms']:.2f} ms, p99 {stats[path.name]['p99_ms']:.2f} ms"
        for rows, path in bodies.items()
    )


def servers(env: dict[str, str], model_uri: str, tmp: Path) -> dict[str, tuple[subprocess.Popen, str]]:
    """Start the three servers on the same model; name -> (process, scoring URL)."""
    ports = [free_port() for _ in range(3)]
    ours = [sys.executable, "-m", "smelter.serving", "--model-uri", model_uri]
    mlflow_bin = str(Path(sys.executable).with_name("mlflow"))
    commands = {
        "smelter.serving": ([*ours, "--port", str(ports[0])], "health", "score"),
        "smelter --no-batching": ([*ours, "--no-batching", "--port", str(ports[1])], "health", "score"),
        "mlflow models serve": (
            [
                mlflow_bin,
                "models",
                "serve",
                "-m",
                model_uri,
                "--env-manager",
                "local",
                "-h",
                "127.0.0.1",
                "-p",
                str(ports[2]),
            ],
            "ping",
            "invocations",
        ),
    }
    started = {}
    try:
        for (name, (cmd, ready, path)), port in zip(commands.items(), ports, strict=False):
            proc = start(cmd, env, tmp / f"{name.split()[0]}-{port}.log", f"http://127.0.0.1:{port}/{ready}")
            started[name] = (proc, f"http://127.0.0.1:{port}/{path}")
    except Exception:
        for proc, _ in started.values():
            stop(proc)
        raise
    return started


def measure(
    urls: dict[str, tuple[int, str]], bodies: dict[int, Path], concurrency: list[int], seconds: float, rounds: int
) -> list[dict]:
    """One row per (rows, concurrency): per server, the round with the median req/s.

    Servers take turns within each round, so a burst of load from elsewhere on the
    machine hits one round of every server rather than all rounds of one.
    """
    table = []
    for rows, body in bodies.items():
        for c in concurrency:
            runs: dict[str, list[dict]] = {name: [] for name in urls}
            for _ in range(rounds):
                for name, (pid, url) in urls.items():
                    runs[name].append(load(url, body, c, seconds, pid))
            median = {
                name: sorted(r, key=lambda x: x["rps"])[len(r) // 2] | {"errors": sum(x["errors"] for x in r)}
                for name, r in runs.items()
            }
            table.append({"rows": rows, "concurrency": c} | median)
    return table


def print_table(table: list[dict], names: list[str]) -> None:
    """Per cell and server: p50/p99 latency, requests/s, server CPU ms per request; then req/s ratio."""
    head = f"{'rows':>4} {'conc':>4} | " + " | ".join(f"{n:^30}" for n in names) + " | req/s ratio"
    sub = " | ".join(f"{'p50 ms':>6} {'p99 ms':>7} {'req/s':>6} {'cpu ms':>6}" for _ in names)
    print(head, f"\n{'':>9} | {sub} | {names[0].split()[0]}/{names[-1].split()[0]}\n" + "-" * len(head))
    for row in table:
        cells = [
            f"{row[n]['p50_ms']:6.2f} {row[n]['p99_ms']:7.2f} {row[n]['rps']:6.0f} {row[n]['cpu_ms']:6.2f}"
            for n in names
        ]
        ratio = row[names[0]]["rps"] / max(row[names[-1]]["rps"], 1e-9)
        print(f"{row['rows']:>4} {row['concurrency']:>4} | " + " | ".join(cells) + f" | {ratio:10.2f}x")
    errors = {n: sum(row[n]["errors"] for row in table) for n in names}
    print("\nfailed requests (all runs):", ", ".join(f"{n} {e}" for n, e in errors.items()))


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.bench_serving", description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=2.0, help="measured seconds per run (after 0.5 s warm-up)")
    p.add_argument("--rounds", type=int, default=3, help="runs per cell and server; the median is shown")
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    p.add_argument("--rows", type=int, nargs="+", default=[1, 100])
    p.add_argument("--model-threads", type=int, default=1, help="OMP_THREAD_LIMIT given to every server")
    a = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-serving-") as tmp_name:
        tmp = Path(tmp_name)
        settings = load_settings()
        model_uri = champion_uri(settings, "demand-forecast")
        if model_uri is None:  # no real champion yet: a stand-in forecaster in a temporary store
            settings = load_settings(data_root=tmp / "data", mlruns_root=tmp / "mlruns")
            configure_mlflow(settings)
            register(settings, synthetic_gold(20_000))
            model_uri = "models:/bench-demand@champion"
        bodies = {rows: tmp / f"body{rows}.json" for rows in a.rows}
        for rows, path in bodies.items():
            path.write_bytes(split_body(rows))
        env = server_env(settings, a.model_threads)
        procs = servers(env, model_uri, tmp)
        try:
            urls = {name: (proc.pid, url) for name, (proc, url) in procs.items()}
            answers = [predict_once(url, bodies[max(a.rows)].read_bytes()) for _, url in urls.values()]
            if not all(np.allclose(answers[0], other) for other in answers[1:]):
                raise AssertionError("the servers disagree on the same rows")
            print(
                f"model {model_uri}; OMP_THREAD_LIMIT={a.model_threads} for all; per cell and server the "
                f"median-req/s run of {a.rounds} x {a.seconds:g} s; load generator in its own process\n"
            )
            print_table(measure(urls, bodies, a.concurrency, a.seconds, a.rounds), list(urls))
            print("model alone (pyfunc predict in one process, same environment):", model_alone(env, model_uri, bodies))
        finally:
            for proc, _ in procs.values():
                stop(proc)


if __name__ == "__main__":
    main()
