"""The engines behind ``make cluster|connect|mlflow-server|postgres|engines-up|engines-down``.

Real servers on 127.0.0.1, on free ports chosen at start, with state, logs and data in one
git-ignored folder (``.engines/`` in the project, or ``home``):

* a Spark standalone cluster (one master, ``workers`` workers) from the installed PySpark
  distribution's own ``bin/spark-class`` (no separate Spark download);
* a Spark Connect server (``bin/spark-submit --class ...SparkConnectServer``) attached to it;
* an MLflow tracking server with the registry and proxied artifacts (SQLite, or a PostgreSQL URL, whose
  driver must be installed: plain ``postgresql://`` is psycopg 3, which requirements.lock pins,
  ``postgresql+psycopg2://`` psycopg2; ``--backend-uri postgres``: the ``mlflow`` database of the PostgreSQL below);
* a throwaway PostgreSQL cluster made with the Debian server binaries (``initdb``, ``postgres``),
  trust auth on 127.0.0.1 only, databases ``prefect`` and ``mlflow``. PostgreSQL refuses to run as
  root: as root its processes run as the ``postgres`` user (``nobody`` where there is none), and the
  data folder belongs to that user (under ``/tmp`` when that user cannot reach ``home``).

Each engine runs in its own process group, recorded in ``home/run/<name>.json``; ``stop`` and
``stop_all`` end the groups (TERM, then KILL after a timeout). Usage::

    python -m scripts.engines {cluster,connect,mlflow-server,postgres,up,down,status} [--home DIR]
        [--master spark://...] [--backend-uri postgres|URL]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scripts.prefect_stack import group_members, start

PROJECT_DIR = Path(__file__).resolve().parents[1]
HOME = PROJECT_DIR / ".engines"
CONNECT_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
MARKER = "SMELTER_ENGINES_HOME"  # in every engine's environment: leftovers() finds them by it
PG_USER = "smelter"  # the database role (trust auth); the OS user is pg_os_user()
CONNECT_CHECK = """\
import sys
from pyspark.sql import SparkSession

spark = SparkSession.builder.remote(sys.argv[1]).getOrCreate()
assert spark.range(3).count() == 3
"""


@dataclass
class Engine:
    """A running engine: its process groups (one per process started), its address and its log(s)."""

    name: str
    url: str
    procs: list[subprocess.Popen] = field(repr=False)
    logs: list[Path]
    home: Path
    stop_signal: int = signal.SIGTERM


@dataclass
class SparkCluster(Engine):
    ui_url: str = ""


@dataclass
class Connect(Engine):
    pass


@dataclass
class MlflowServer(Engine):
    pass


@dataclass
class Postgres(Engine):
    sqlalchemy_url: str = ""  # postgresql+asyncpg://... for Prefect
    data_dir: Path = Path()
    throwaway_dir: bool = False  # data outside home (removed on stop)

    def database_url(self, database: str) -> str:
        """``postgresql://`` URL of another database of this cluster (e.g. ``mlflow``)."""
        return with_database(self.url, database)


def with_database(url: str, database: str) -> str:
    """``url`` (``scheme://user@host:port/db``) naming ``database`` instead."""
    return url.rsplit("/", 1)[0] + "/" + database


@dataclass
class Engines:
    """The URLs of what :func:`engines` started (``None`` for what it did not)."""

    spark: SparkCluster | None = None
    connect: Connect | None = None
    mlflow: MlflowServer | None = None
    postgres: Postgres | None = None

    def all(self) -> list[Engine]:
        return [e for e in (self.connect, self.spark, self.mlflow, self.postgres) if e is not None]

    def settings(self, over_connect: bool = False) -> dict[str, str]:
        """The environment that points Smelter (and ``make server``) at these engines; Spark jobs go to
        the cluster, or through the Connect server with ``over_connect``."""
        env = {}
        spark = self.connect if over_connect else self.spark
        if spark:
            env["SMELTER_SPARK__MASTER"] = spark.url
        if self.mlflow:
            env["SMELTER_MLFLOW__TRACKING_URI"] = self.mlflow.url
        if self.postgres:
            env["PREFECT_DB_URL"] = self.postgres.sqlalchemy_url
        return env


# -- plumbing ---------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the kernel's choice)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_tail(logs: list[Path], lines: int = 15) -> str:
    parts = []
    for log in logs:
        text = log.read_text(errors="replace").splitlines() if log.exists() else ["(no log)"]
        text = [line for line in text if not line.startswith("\tat ")][-lines:]  # no Java stack frames
        parts.append(f"--- {log}\n" + "\n".join(text))
    return "\n".join(parts)


def wait_until(check, what: str, engine: Engine, timeout: float) -> float:
    """Seconds until ``check()`` is true; a clear error (with the log tail) if a process exits or time runs out."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        dead = [p for p in engine.procs if p.poll() is not None]
        if dead:
            raise RuntimeError(
                f"{engine.name}: {what}: process exited with code {dead[0].returncode}\n" + log_tail(engine.logs)
            )
        if check():
            return time.monotonic() - t0
        time.sleep(0.5)
    raise TimeoutError(f"{engine.name}: not ready within {timeout:.0f} s: {what}\n" + log_tail(engine.logs))


def http_json(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return json.loads(r.read())
    except (OSError, ValueError):
        return None


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def refuse_if_running(home: Path, name: str) -> None:
    """A clear error when ``home`` already has a live engine ``name`` (one per name and folder)."""
    state = status(home).get(name)
    if state and state["alive"]:
        raise RuntimeError(
            f"{name} already runs at {state['url']} (state in {home / 'run'}); stop it first: "
            "python -m scripts.engines down"
        )


@contextlib.contextmanager
def stopped_on_error(engine: Engine) -> Iterator[Engine]:
    """Stop ``engine`` if its start-up fails (any exception, Ctrl-C included), then re-raise."""
    try:
        yield engine
    except BaseException:
        stop(engine)
        raise


def record(home: Path, engine: Engine, **extra: object) -> None:
    """Write ``home/run/<name>.json``: the process groups, so ``stop_all`` finds them from another process."""
    run = home / "run"
    run.mkdir(parents=True, exist_ok=True)
    state = {"url": engine.url, "pgids": [p.pid for p in engine.procs], "signal": int(engine.stop_signal), **extra}
    (run / f"{engine.name}.json").write_text(json.dumps(state, default=str))


def kill_groups(pgids: list[int], sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
    """``sig`` to each process group, SIGKILL to what is left after ``timeout``; returns when all are gone."""
    for s, wait in ((sig, timeout), (signal.SIGKILL, 5.0)):
        for pgid in pgids:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, s)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and any(group_members(g) for g in pgids):
            time.sleep(0.2)
        if not any(group_members(g) for g in pgids):
            return


def stop(engine: Engine, timeout: float = 20.0) -> None:
    """End the engine's process groups (its signal, then SIGKILL after ``timeout``) and forget its state."""
    kill_groups([p.pid for p in engine.procs], engine.stop_signal, timeout)
    for p in engine.procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            p.wait(5)
    if isinstance(engine, Postgres) and engine.throwaway_dir:
        shutil.rmtree(engine.data_dir.parent, ignore_errors=True)
    (engine.home / "run" / f"{engine.name}.json").unlink(missing_ok=True)


def stop_all(home: Path = HOME, timeout: float = 20.0) -> list[str]:
    """Stop every engine recorded in ``home/run`` (also those started by another process); their names.
    A running ``up`` is asked first (SIGTERM) and given ``timeout`` per engine to stop its engines itself."""
    run = home / "run"
    names = sorted(p.stem for p in run.glob("*.json")) if run.exists() else []
    supervisor = engines_process(run / "up.pid")
    if supervisor is not None:
        os.kill(supervisor, signal.SIGTERM)
        deadline = time.monotonic() + timeout * (len(names) + 1)
        while time.monotonic() < deadline and engines_process(run / "up.pid") == supervisor:
            time.sleep(0.2)
    for state_file in sorted(run.glob("*.json")) if run.exists() else []:  # what is left
        with contextlib.suppress(FileNotFoundError):
            state = json.loads(state_file.read_text())
            kill_groups(state["pgids"], state["signal"], timeout)
            if state.get("throwaway_dir"):
                shutil.rmtree(Path(state["data_dir"]).parent, ignore_errors=True)
            state_file.unlink()
    (run / "up.pid").unlink(missing_ok=True)
    return names


def engines_process(pid_file: Path) -> int | None:
    """The pid in ``pid_file`` if it is a live ``scripts.engines`` process (not a reused pid), else None."""
    try:
        pid = int(pid_file.read_text())
        alive = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        cmdline = (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if alive and b"scripts.engines" in cmdline else None


def leftovers(home: Path = HOME) -> list[int]:
    """Live processes started for ``home`` (``SMELTER_ENGINES_HOME=<home>`` in their environment), executors
    and Python workers included: empty once everything is stopped. PostgreSQL's children overwrite their
    environment (process titles): they are found through the postmaster's process group instead."""
    marker = f"{MARKER}={home}\0".encode()
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z" and marker in (
                proc / "environ"
            ).read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def status(home: Path = HOME) -> dict[str, dict]:
    """The engines recorded in ``home/run``: url and whether their processes are alive."""
    out = {}
    for state_file in sorted((home / "run").glob("*.json")) if (home / "run").exists() else []:
        state = json.loads(state_file.read_text())
        out[state_file.stem] = {"url": state["url"], "alive": all(group_members(g) for g in state["pgids"])}
    return out


# -- Spark ------------------------------------------------------------------------------------------


def spark_home() -> Path:
    """The installed PySpark distribution (it carries ``bin/spark-class`` and the jars)."""
    from pyspark.find_spark_home import _find_spark_home

    return Path(_find_spark_home())


def spark_env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SPARK_HOME": str(spark_home()),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOG_DIR": str(home / "logs"),
        MARKER: str(home),
        "PYSPARK_PYTHON": sys.executable,
    }


def alive_workers(ui_url: str) -> int:
    state = http_json(ui_url + "/json") or {}
    return sum(w.get("state") == "ALIVE" for w in state.get("workers", []))


def start_spark_cluster(
    home: Path = HOME, workers: int = 2, cores_per_worker: int = 1, memory: str = "1g", timeout: float = 120.0
) -> SparkCluster:
    """A standalone master and ``workers`` workers on loopback; returns when the master lists them ALIVE."""
    refuse_if_running(home, "spark")
    env, cls = spark_env(home), str(spark_home() / "bin" / "spark-class")
    port, ui = free_port(), free_port()
    logs = home / "logs"
    # maxRetries=0: a port taken meanwhile is an error, not a silent move to the next one
    conf = home / "spark" / "spark-defaults.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text("spark.port.maxRetries 0\nspark.master.rest.enabled false\n")
    master_url, ui_url = f"spark://127.0.0.1:{port}", f"http://127.0.0.1:{ui}"
    common = ["--host", "127.0.0.1", "--properties-file", str(conf)]
    master = start(
        [cls, "org.apache.spark.deploy.master.Master", *common, "--port", str(port), "--webui-port", str(ui)],
        env,
        logs / "spark-master.log",
    )
    cluster = SparkCluster("spark", master_url, [master], [logs / "spark-master.log"], home, ui_url=ui_url)
    with stopped_on_error(cluster):
        record(home, cluster)
        wait_until(lambda: http_json(ui_url + "/json") is not None, "master web UI", cluster, timeout)
        for i in range(1, workers + 1):
            log, work = logs / f"spark-worker-{i}.log", home / "spark" / f"worker-{i}"
            work.mkdir(parents=True, exist_ok=True)
            cmd = [
                cls,
                "org.apache.spark.deploy.worker.Worker",
                *common,
                "--cores",
                str(cores_per_worker),
                "--memory",
                memory,
                "--work-dir",
                str(work),
                "--webui-port",
                str(free_port()),
                master_url,
            ]
            cluster.procs.append(start(cmd, env, log))
            cluster.logs.append(log)
        record(home, cluster)
        wait_until(
            lambda: alive_workers(ui_url) >= workers, f"{workers} workers ALIVE at {ui_url}/json", cluster, timeout
        )
    return cluster


def start_connect(home: Path, master_url: str, conf: dict[str, str] | None = None, timeout: float = 180.0) -> Connect:
    """A Spark Connect server whose driver runs on the cluster at ``master_url``; returns when a client's
    ``spark.range(3).count()`` answers. Executors are allocated dynamically and released when idle (15 s), so
    classic sessions on the same cluster get cores too."""
    refuse_if_running(home, "connect")
    port, logs = free_port(), home / "logs"
    settings = {
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.port": str(free_port()),
        "spark.pyspark.python": sys.executable,
        "spark.dynamicAllocation.enabled": "true",
        "spark.dynamicAllocation.shuffleTracking.enabled": "true",
        "spark.dynamicAllocation.executorIdleTimeout": "15s",
        "spark.dynamicAllocation.shuffleTracking.timeout": "15s",
        **(conf or {}),
    }
    cmd = [
        str(spark_home() / "bin" / "spark-submit"),
        "--class",
        CONNECT_CLASS,
        "--name",
        "Smelter Spark Connect",
        "--master",
        master_url,
    ]
    for key, value in settings.items():
        cmd += ["--conf", f"{key}={value}"]
    log = logs / "spark-connect.log"
    connect = Connect("connect", f"sc://127.0.0.1:{port}", [start(cmd, spark_env(home), log)], [log], home)
    with stopped_on_error(connect):
        record(home, connect)
        waited = wait_until(
            lambda: port_open(port),
            f"gRPC port {port} not open; does the master {master_url} answer?",
            connect,
            timeout,
        )
        script = home / "spark" / "connect_check.py"
        script.write_text(CONNECT_CHECK)
        try:  # in a subprocess: pyspark.sql.connect keeps client state per process
            check = subprocess.run(
                [sys.executable, str(script), connect.url],
                capture_output=True,
                text=True,
                timeout=max(timeout - waited, 10.0),
                cwd=home,
            )
        except subprocess.TimeoutExpired:
            raise TimeoutError(
                f"connect: spark.range(3).count() over {connect.url} did not answer within {timeout:.0f} s: "
                f"does the master {master_url} answer and have free cores?\n" + log_tail(connect.logs)
            ) from None
        if check.returncode != 0:
            raise RuntimeError(
                f"connect: spark.range(3).count() over {connect.url} failed:\n{check.stderr[-2000:]}\n"
                + log_tail(connect.logs)
            )
    return connect


# -- MLflow -----------------------------------------------------------------------------------------


def check_db_driver(uri: str) -> None:
    """A clear error when the DB-API driver of a SQLAlchemy ``uri`` is not installed (plain ``postgresql://``
    means psycopg 3 with SQLAlchemy 2.1; ``postgresql+psycopg2://`` psycopg2); the server would die on it."""
    if uri.startswith("sqlite"):
        return
    from sqlalchemy.engine import make_url

    driver = make_url(uri).get_dialect().driver
    if importlib.util.find_spec(driver) is None:
        raise RuntimeError(f"mlflow-server: backend {uri} needs the Python package {driver}, which is not installed")


def mlflow_backend(home: Path, backend_uri: str | None, postgres: Postgres | None = None) -> str:
    """The MLflow server's backend store: ``backend_uri`` as given; for ``postgres`` the ``mlflow`` database
    of ``postgres``, else of the PostgreSQL running for ``home`` (``make postgres``); SQLite in
    ``home/mlflow/mlflow.db`` when ``None``."""
    if backend_uri != "postgres":
        return backend_uri or f"sqlite:///{home / 'mlflow' / 'mlflow.db'}"
    if postgres is not None:
        return postgres.database_url("mlflow")
    state = status(home).get("postgres")
    if not (state and state["alive"]):
        raise RuntimeError(
            f"mlflow-server: backend postgres, but no PostgreSQL runs for {home}: start it first (make postgres)"
        )
    return with_database(state["url"], "mlflow")


def start_mlflow_server(home: Path = HOME, backend_uri: str | None = None, timeout: float = 120.0) -> MlflowServer:
    """``mlflow server`` with the registry and proxied artifacts (``home/mlflow/artifacts``); the backend store
    as :func:`mlflow_backend` picks it from ``backend_uri`` (e.g. a PostgreSQL URL). Returns when /health answers."""
    refuse_if_running(home, "mlflow")
    folder = home / "mlflow"
    (folder / "artifacts").mkdir(parents=True, exist_ok=True)
    backend = mlflow_backend(home, backend_uri)
    check_db_driver(backend)
    port, log = free_port(), home / "logs" / "mlflow-server.log"
    # no job runner (seven huey consumers for GenAI jobs Smelter does not use): light on a laptop
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false", MARKER: str(home)}
    cmd = [
        str(Path(sys.executable).with_name("mlflow")),
        "server",
        "--backend-store-uri",
        backend,
        "--serve-artifacts",
        "--artifacts-destination",
        str(folder / "artifacts"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    server = MlflowServer("mlflow", f"http://127.0.0.1:{port}", [start(cmd, env, log, cwd=folder)], [log], home)
    with stopped_on_error(server):
        record(home, server)
        wait_until(lambda: http_ok(server.url + "/health"), f"{server.url}/health", server, timeout)
    return server


# -- PostgreSQL -------------------------------------------------------------------------------------


def pg_bindir() -> Path:
    """The folder of the PostgreSQL server binaries: ``initdb`` on PATH, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    dirs = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not dirs:
        raise RuntimeError("postgres: no PostgreSQL server binaries (initdb): install the Debian package postgresql")
    return dirs[-1].parent


def pg_os_user() -> str | None:
    """The OS user PostgreSQL runs as: ``None`` (this one) unless root, then ``postgres`` or ``nobody``."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("postgres: running as root and no user postgres or nobody to run PostgreSQL as")


def pg_data_dir(home: Path, user: str | None) -> tuple[Path, bool]:
    """``home/postgres/data`` if ``user`` can reach it, else a fresh folder under /tmp (``True``: throwaway)."""
    folder = home / "postgres"
    folder.mkdir(parents=True, exist_ok=True)
    if user is None or subprocess.run(["test", "-x", str(folder)], user=user).returncode == 0:
        return folder / "data", False
    return Path(tempfile.mkdtemp(prefix="smelter-pg-")) / "data", True


def start_postgres(home: Path = HOME, timeout: float = 60.0) -> Postgres:
    """A PostgreSQL cluster on a free loopback port (trust auth for role ``smelter``, TCP only), with the
    databases ``prefect`` and ``mlflow``; its data is kept in ``home/postgres/data`` between starts."""
    refuse_if_running(home, "postgres")
    bindir, user = pg_bindir(), pg_os_user()
    data, throwaway = pg_data_dir(home, user)
    as_user: dict = {"user": user, "group": pwd.getpwnam(user).pw_gid, "extra_groups": []} if user else {}
    env = {**os.environ, "HOME": str(data.parent), "LC_ALL": "C.UTF-8", MARKER: str(home)}
    fresh = not (data / "PG_VERSION").exists()
    if fresh:
        data.mkdir(mode=0o700, exist_ok=True)
        if user:
            shutil.chown(data.parent, user)
            shutil.chown(data, user)
        init = subprocess.run(
            [str(bindir / "initdb"), "-D", str(data), "-U", PG_USER, "--auth=trust", "-E", "UTF8", "--no-instructions"],
            env=env,
            capture_output=True,
            text=True,
            **as_user,
        )
        if init.returncode != 0:
            raise RuntimeError(f"postgres: initdb -D {data} failed:\n{init.stderr[-2000:]}")
    port, log = free_port(), home / "logs" / "postgres.log"
    cmd = [
        str(bindir / "postgres"),
        "-D",
        str(data),
        "-p",
        str(port),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "unix_socket_directories=",
        "-c",
        "fsync=off",
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen(
            cmd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=data.parent,
            **as_user,
        )
    base = f"{PG_USER}@127.0.0.1:{port}/prefect"
    pg = Postgres(
        "postgres",
        f"postgresql://{base}",
        [proc],
        [log],
        home,
        signal.SIGINT,  # SIGINT: fast shutdown
        sqlalchemy_url=f"postgresql+asyncpg://{base}",
        data_dir=data,
        throwaway_dir=throwaway,
    )
    with stopped_on_error(pg):
        record(home, pg, data_dir=data, throwaway_dir=throwaway)
        ready = [str(bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port), "-U", PG_USER]
        wait_until(lambda: subprocess.run(ready).returncode == 0, f"accepting connections on {port}", pg, timeout)
        for db in ("prefect", "mlflow") if fresh else ():
            subprocess.run(
                [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", PG_USER, db], check=True
            )
    return pg


# -- together ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def engines(
    home: Path = HOME,
    spark: bool = True,
    connect: bool = True,
    mlflow: bool = True,
    postgres: bool = True,
    master_url: str | None = None,
    mlflow_backend_uri: str | None = None,
    connect_conf: dict[str, str] | None = None,
) -> Iterator[Engines]:
    """Start the chosen engines; stop them all on exit, also when the body raises. Connect attaches to
    ``master_url`` if given, else to the cluster started here; ``mlflow_backend_uri="postgres"`` puts MLflow
    on the PostgreSQL started here (see :func:`mlflow_backend`)."""
    started = Engines()
    try:
        if postgres:
            started.postgres = start_postgres(home)
        if mlflow:
            started.mlflow = start_mlflow_server(home, mlflow_backend(home, mlflow_backend_uri, started.postgres))
        if spark:
            started.spark = start_spark_cluster(home)
        if connect:
            master = master_url or (started.spark.url if started.spark else None)
            if master is None:
                raise ValueError("connect needs a cluster: spark=True or master_url")
            started.connect = start_connect(home, master, connect_conf)
        yield started
    finally:
        for engine in started.all():
            stop(engine)


def serve_forever(home: Path, started: Engines) -> None:
    """Print the URLs and settings, then wait until Ctrl-C, SIGTERM (``down``) or an engine exits."""
    (home / "run").mkdir(parents=True, exist_ok=True)
    (home / "run" / "up.pid").write_text(str(os.getpid()))
    for engine in started.all():
        print(f"{engine.name:8} {engine.url}  (log {engine.logs[0]})")
    if started.spark:
        print(f"{'spark UI':8} {started.spark.ui_url}")
    print(
        "\n# settings:\n"
        + "\n".join(f"export {k}='{v}'" for k, v in started.settings(over_connect=not started.spark).items())
    )
    if started.connect and started.spark:
        print(f"# or, Spark over Connect: export SMELTER_SPARK__MASTER='{started.connect.url}'")
    print("\nCtrl-C (or `make engines-down`) stops them.", flush=True)
    try:
        while all(p.poll() is None for e in started.all() for p in e.procs):
            time.sleep(1)
        print("an engine exited; stopping the others", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        (home / "run" / "up.pid").unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["cluster", "connect", "mlflow-server", "postgres", "up", "down", "status"])
    parser.add_argument("--home", type=Path, default=Path(os.environ.get("SMELTER_ENGINES_HOME", HOME)))
    parser.add_argument("--master", help="connect: the cluster's master URL (default: start one)")
    parser.add_argument(
        "--backend-uri",
        help="mlflow-server, up: backend store URI (default: SQLite in home); 'postgres': the mlflow database of "
        "the PostgreSQL started by up or running for --home (make postgres)",
    )
    args = parser.parse_args(argv)
    home = args.home.resolve()
    if args.command == "down":
        print("stopped:", ", ".join(stop_all(home)) or "nothing")
        return
    if args.command == "status":
        for name, state in status(home).items():
            print(f"{name:8} {'alive' if state['alive'] else 'DEAD '} {state['url']}")
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in the background
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `down`
    if args.command == "connect" and not args.master and status(home).get("spark", {}).get("alive"):
        args.master = status(home)["spark"]["url"]  # attach to the cluster `make cluster` runs
    wanted = {
        "cluster": {"spark"},
        "connect": {"connect"} if args.master else {"spark", "connect"},
        "mlflow-server": {"mlflow"},
        "postgres": {"postgres"},
        "up": {"spark", "connect", "mlflow", "postgres"},
    }[args.command]
    started = engines(
        home,
        spark="spark" in wanted,
        connect="connect" in wanted,
        mlflow="mlflow" in wanted,
        postgres="postgres" in wanted,
        master_url=args.master,
        mlflow_backend_uri=args.backend_uri,
    )
    with contextlib.suppress(KeyboardInterrupt), started as running:
        serve_forever(home, running)


if __name__ == "__main__":
    main()
