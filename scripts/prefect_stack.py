"""The local Prefect stack behind ``make server|deploy|worker|prefect-ui|demo``.

A Prefect server on loopback with its database inside the project (``.prefect/prefect.db``,
SQLite; any SQLAlchemy URL, e.g. PostgreSQL, with ``--db-url``), the deployments of
``prefect.yaml`` on a process work pool with a modest concurrency limit, and a process worker
whose flow runs start in this project (``SMELTER_PROJECT_DIR``, see prefect.yaml's pull step).
The end-to-end test drives the same functions. Usage::

    python -m scripts.prefect_stack {server,deploy,worker,ui,demo} [--port 4200] [--db-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
POOL = "smelter-process"
CONCURRENCY = 2  # SQLite reports "database is locked" under many concurrent runs (Prefect #19771, #10188)
DEMO_RUN = ["network-design/monthly", "-p", "n_cities=6", "-p", "thresholds=[0, 50, 500]"]


def prefect_env(home: Path, port: int, db_url: str | None = None, **extra: str) -> dict[str, str]:
    """Environment for the server, the CLI and the worker: API on 127.0.0.1:``port``, state in ``home``."""
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": api,
        "PREFECT_UI_API_URL": api,
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": db_url or f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_CLI_COLORS": "false",
        **extra,
    }
    env.pop("PREFECT_PROFILES_PATH", None)
    return env


def _prefect(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("prefect")), *args]


def start(cmd: list[str], env: dict[str, str], log: Path, cwd: Path = PROJECT_DIR) -> subprocess.Popen:
    """Start ``cmd`` in its own process group (so ``stop`` ends it and its children), output to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return subprocess.Popen(
            cmd,
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def start_server(env: dict[str, str], log: Path) -> subprocess.Popen:
    port = env["PREFECT_API_URL"].rsplit(":", 1)[1].split("/")[0]
    Path(env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    return start(_prefect("server", "start", "--host", "127.0.0.1", "--port", port), env, log)


def wait_healthy(env: dict[str, str], timeout: float = 120.0, proc: subprocess.Popen | None = None) -> float:
    """Seconds until ``<api>/health`` answers 200; a clear error if the server exits or never answers."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"Prefect server exited with code {proc.returncode}; see its log")
        try:
            with urllib.request.urlopen(env["PREFECT_API_URL"] + "/health", timeout=2) as r:
                if r.status == 200:
                    return time.monotonic() - t0
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"Prefect API {env['PREFECT_API_URL']} not healthy after {timeout:.0f} s")


def create_pool(env: dict[str, str], pool: str = POOL, concurrency: int = CONCURRENCY) -> None:
    """Create or update the process work pool (Prefect's default process job template) with its limit."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect.workers.process import ProcessWorker

    spec = WorkPoolCreate(
        name=pool,
        type="process",
        concurrency_limit=concurrency,
        base_job_template=ProcessWorker.get_default_base_job_template(),
    )
    with temporary_settings({PREFECT_API_URL: env["PREFECT_API_URL"]}), get_client(sync_client=True) as client:
        client.create_work_pool(spec, overwrite=True)


def deploy(env: dict[str, str]) -> None:
    """Deploy every deployment of prefect.yaml (``prefect --no-prompt deploy --all``)."""
    subprocess.run(
        _prefect("--no-prompt", "deploy", "--all"), env=env, cwd=PROJECT_DIR, check=True, stdout=subprocess.DEVNULL
    )


def worker_cmd(pool: str = POOL) -> list[str]:
    return _prefect("worker", "start", "--pool", pool, "--type", "process")


def worker_env(env: dict[str, str]) -> dict[str, str]:
    """The worker's environment: flow runs start in this project (prefect.yaml's pull step)."""
    return {**env, "SMELTER_PROJECT_DIR": str(PROJECT_DIR)}


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of process group ``pgid``, from /proc."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


def stop(proc: subprocess.Popen, timeout: float = 20.0) -> None:
    """SIGTERM the process group (server or worker and its children); SIGKILL what is left after ``timeout``."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and (proc.poll() is None or group_members(proc.pid)):
            time.sleep(0.2)
    proc.wait(5)


@contextlib.contextmanager
def running(
    env: dict[str, str],
    concurrency: int = CONCURRENCY,
    timeout: float = 120.0,
    timings: dict[str, float] | None = None,
) -> Iterator[list[subprocess.Popen]]:
    """A server on ``env``'s database, the work pool (limit ``concurrency``), a worker and prefect.yaml's
    deployments, logs ``server.log`` and ``worker.log`` in PREFECT_HOME. Yields ``[server, worker]``; stops
    both on exit, also when start-up or the body fails. ``timings`` receives the seconds of the start-up steps."""
    home = Path(env["PREFECT_HOME"])
    timings = {} if timings is None else timings
    procs: list[subprocess.Popen] = []
    try:
        t0 = time.monotonic()
        procs.append(start_server(env, home / "server.log"))
        wait_healthy(env, timeout, proc=procs[0])
        timings["server start"] = time.monotonic() - t0
        t1 = time.monotonic()
        create_pool(env, concurrency=concurrency)
        procs.append(start(worker_cmd(), worker_env(env), home / "worker.log"))  # starts while we deploy
        deploy(env)
        timings["pool, worker start, deploy"] = time.monotonic() - t1
        yield procs
    finally:
        for proc in reversed(procs):
            stop(proc)


def demo(env: dict[str, str]) -> None:
    """Server, deployments, worker, one quick run, the UI; Ctrl-C stops everything."""
    home = Path(env["PREFECT_HOME"])
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in the background
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    timings: dict[str, float] = {}
    with contextlib.suppress(KeyboardInterrupt), running(env, timings=timings) as (server, _):
        print(f"Prefect server up in {timings['server start']:.0f} s (log {home / 'server.log'})")
        subprocess.run(_prefect("deployment", "run", *DEMO_RUN), env=env, check=True)
        ui = env["PREFECT_API_URL"].removesuffix("/api")
        print(f"UI: {ui}/deployments  (worker log {home / 'worker.log'}); Ctrl-C to stop")
        open_ui(ui)
        server.wait()


def open_ui(url: str) -> None:
    import webbrowser

    if not webbrowser.open(url):
        print(f"open {url} in a browser")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["server", "deploy", "worker", "ui", "demo"])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PREFECT_PORT", 4200)))
    parser.add_argument(
        "--db-url",
        default=os.environ.get("PREFECT_DB_URL") or None,
        help="SQLAlchemy URL, e.g. postgresql+asyncpg://user:pass@host:5432/prefect",
    )
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    args = parser.parse_args(argv)
    env = prefect_env(PROJECT_DIR / ".prefect", args.port, args.db_url)
    Path(env["PREFECT_HOME"]).mkdir(exist_ok=True)
    if args.command == "server":
        os.execvpe(_prefect()[0], _prefect("server", "start", "--host", "127.0.0.1", "--port", str(args.port)), env)
    elif args.command == "deploy":
        create_pool(env, concurrency=args.concurrency)
        deploy(env)
    elif args.command == "worker":
        os.execvpe(worker_cmd()[0], worker_cmd(), worker_env(env))
    elif args.command == "ui":
        open_ui(env["PREFECT_API_URL"].removesuffix("/api"))
    else:
        demo(env)


if __name__ == "__main__":
    main()
