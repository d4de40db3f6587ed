"""PostgreSQL behind the servers: one throwaway PostgreSQL (scripts/engines.py) for the module, an MLflow
tracking server on its ``mlflow`` database, and a Prefect server on its ``prefect`` database whose worker
runs two deployments at the same time (the flow runs track into that MLflow server). What the servers wrote
is read back from PostgreSQL itself; every process started is stopped at the end, also when a test fails."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from scripts import engines as eng
from scripts import prefect_stack
from tests.deploy.prefect_helpers import TERMINAL, Stack, running_stack, wait_for

LOCKED = "database is locked"
# two deployments on small data (each deployment allows one run at a time, so two different ones): the
# refine starts Spark (local[1]) and runs ~25 s; the network design (no Spark, ~1 s of plots per threshold)
# is long enough to be RUNNING with it even when one run process starts a few seconds after the other
RUNS: dict[str, dict] = {
    "demand-forecast-refine/daily": {
        "start": "2021-01-01",
        "end": "2022-02-28",
        "states": ["Maine", "Texas"],
        "test_start": "2022-01-01",
    },
    "network-design/monthly": {"n_cities": 12, "thresholds": [0.0, 10.0, 50.0, 100.0, 200.0, 500.0]},
}


@pytest.fixture(scope="module")
def on_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[eng.Engines]:
    """PostgreSQL and an MLflow server on its ``mlflow`` database; afterwards nothing of them may run."""
    home = tmp_path_factory.mktemp("pg-engines")
    with eng.engines(home, spark=False, connect=False, mlflow_backend_uri="postgres") as started:
        yield started
    assert eng.leftovers(home) == [], "processes of PostgreSQL or MLflow left behind"


def query(url: str, sql: str, *args: object) -> list[tuple]:
    """Rows of ``sql`` on the PostgreSQL database ``url`` (asyncpg, what Prefect's server uses)."""
    import asyncpg

    async def fetch() -> list[tuple]:
        conn = await asyncpg.connect(url)
        try:
            return [tuple(row) for row in await conn.fetch(sql, *args)]
        finally:
            await conn.close()

    return asyncio.run(fetch())


def test_mlflow_server_on_postgresql_tracks_registers_and_moves_the_alias(
    on_postgres: eng.Engines, tmp_path: Path
) -> None:
    from mlflow import MlflowClient

    server, pg = on_postgres.mlflow, on_postgres.postgres
    assert server is not None and pg is not None
    client = MlflowClient(tracking_uri=server.url, registry_uri=server.url)
    run_id = client.create_run(client.create_experiment("pg-check")).info.run_id
    client.log_metric(run_id, "rmse", 1.25)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "note.txt").write_text("on PostgreSQL")
    client.log_artifacts(run_id, str(tmp_path / "model"), "model")
    client.set_terminated(run_id)
    client.create_registered_model("pg-check")
    version = client.create_model_version("pg-check", f"runs:/{run_id}/model", run_id=run_id)
    client.set_registered_model_alias("pg-check", "champion", version.version)

    assert client.get_run(run_id).data.metrics == {"rmse": 1.25}
    champion = client.get_model_version_by_alias("pg-check", "champion")
    assert (champion.version, champion.run_id) == ("1", run_id)
    fetched = Path(client.download_artifacts(run_id, "model/note.txt", str(tmp_path / "back")))
    assert fetched.read_text() == "on PostgreSQL"
    # the rows are in PostgreSQL's mlflow database, and there is no SQLite store
    mlflow_db = pg.database_url("mlflow")
    assert query(mlflow_db, "SELECT key, value FROM metrics WHERE run_uuid = $1", run_id) == [("rmse", 1.25)]
    assert query(mlflow_db, "SELECT alias, version FROM registered_model_aliases WHERE name = 'pg-check'") == [
        ("champion", 1)
    ]
    assert not list(server.home.rglob("*.db"))


def test_backend_postgres_names_the_running_postgresqls_mlflow_database(
    on_postgres: eng.Engines, tmp_path: Path
) -> None:
    """``make mlflow-server MLFLOW_BACKEND_URI=postgres`` finds the PostgreSQL of ``make postgres`` by its home."""
    pg = on_postgres.postgres
    assert pg is not None
    assert eng.mlflow_backend(pg.home, "postgres") == pg.database_url("mlflow") == pg.url.replace("/prefect", "/mlflow")
    with pytest.raises(RuntimeError, match=f"no PostgreSQL runs for {tmp_path}.*make postgres"):
        eng.mlflow_backend(tmp_path, "postgres")
    assert eng.mlflow_backend(tmp_path, None) == f"sqlite:///{tmp_path / 'mlflow' / 'mlflow.db'}"


def trigger(stack: Stack, name: str, parameters: dict) -> str:
    """A flow run of deployment ``name`` (``flow/deployment``) with ``parameters``; its id."""
    deployment = stack.get(f"/deployments/name/{name}")
    return stack.post(f"/deployments/{deployment['id']}/create_flow_run", {"parameters": parameters})["id"]


def finished(stack: Stack, ids: list[str]) -> list[dict] | None:
    """The flow runs ``ids`` once all are in a final state, else None."""
    runs = [stack.get(f"/flow_runs/{i}") for i in ids]
    return runs if all(r["state_type"] in TERMINAL for r in runs) else None


def when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def test_two_deployment_runs_at_once_on_the_postgresql_backed_prefect_server(
    on_postgres: eng.Engines, tmp_path: Path
) -> None:
    from mlflow import MlflowClient

    server, pg = on_postgres.mlflow, on_postgres.postgres
    assert server is not None and pg is not None
    with running_stack(tmp_path, pg.sqlalchemy_url, SMELTER_MLFLOW__TRACKING_URI=server.url) as stack:
        assert stack.get(f"/work_pools/{prefect_stack.POOL}")["concurrency_limit"] >= 2
        ids = [trigger(stack, name, parameters) for name, parameters in RUNS.items()]
        runs = wait_for(lambda: finished(stack, ids), 300, "both runs to finish")
        logs = {name: stack.log(name) for name in ("server.log", "worker.log")}
    assert [r["state_type"] for r in runs] == ["COMPLETED", "COMPLETED"], logs["worker.log"][-5000:]
    starts, ends = [when(r["start_time"]) for r in runs], [when(r["end_time"]) for r in runs]
    print("\nflow runs (start, end):", [(r["start_time"][11:19], r["end_time"][11:19]) for r in runs])
    assert max(starts) < min(ends), "the two runs did not overlap in time"
    for name, text in logs.items():
        assert text and LOCKED not in text.lower(), f"{name} says {LOCKED!r}"
    # the server kept its state in PostgreSQL (no SQLite file); the network design tracked into the MLflow server
    assert sorted(query(pg.url, "SELECT id::text, state_type::text FROM flow_run WHERE id::text = ANY($1)", ids)) == (
        sorted((i, "COMPLETED") for i in ids)
    )
    assert not list(tmp_path.rglob("*.db"))
    client = MlflowClient(tracking_uri=server.url)
    experiment = client.get_experiment_by_name("network-design")
    assert experiment is not None and len(client.search_runs([experiment.experiment_id])) == 1
