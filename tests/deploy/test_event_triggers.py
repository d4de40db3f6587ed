"""Event-driven runs on a real Prefect server, as prefect.yaml declares them: a refine run that publishes new
gold triggers the scoring deployment, and a drifted scoring batch triggers the retraining deployment.

Setup (triggers paused, so nothing races it): the whole forecast pipeline on three states once, for a
champion. Then, triggers on: a refine over one more month (the generated sales file changes, so
``replace_changed``) publishes gold -> ``smelter.gold.published`` ->
a ``demand-forecast-score/on-new-gold`` run; a batch of far-off dates and 20x populations scored ->
``smelter.drift.detected`` -> a ``demand-forecast-train/monthly`` run. Tiny data; several minutes (Spark, two
shared cores)."""

from __future__ import annotations

import pandas as pd

from tests.deploy.prefect_helpers import TERMINAL, Stack, wait_for

STATES = ["Arizona", "Maine", "Texas"]
WINDOW = {"start": "2021-01-01", "end": "2022-01-31", "states": STATES, "test_start": "2022-01-01"}
TRIGGERS = ("score-new-demand-gold", "retrain-demand-on-drift")


def api(stack: Stack, method: str, path: str, body: dict | None = None):
    """One API call; a 503 (SQLite "database is locked" while runs write) is tried again for up to 60 s."""
    response = wait_for(
        lambda: (r := stack.api.request(method, path, json=body)).status_code != 503 and r, 60, f"{method} {path}"
    )
    response.raise_for_status()
    return response.json() if response.content else None


def deployment_id(stack: Stack, name: str) -> str:
    return api(stack, "GET", f"/deployments/name/{name}")["id"]


def start_run(stack: Stack, name: str, parameters: dict) -> str:
    path = f"/deployments/{deployment_id(stack, name)}/create_flow_run"
    return api(stack, "POST", path, {"parameters": parameters})["id"]


def finished(stack: Stack, run_id: str, timeout: float = 900) -> dict:
    run = wait_for(
        lambda: (r := api(stack, "GET", f"/flow_runs/{run_id}"))["state_type"] in TERMINAL and r, timeout, run_id
    )
    assert run["state_type"] == "COMPLETED", (run["state"], stack.log_tail("worker.log"))
    return run


def runs_of(stack: Stack, name: str) -> list[dict]:
    return api(stack, "POST", "/flow_runs/filter", {"deployments": {"id": {"any_": [deployment_id(stack, name)]}}})


def set_triggers(stack: Stack, enabled: bool) -> None:
    automations = {a["name"]: a for a in api(stack, "POST", "/automations/filter")}
    assert set(TRIGGERS) <= set(automations), sorted(automations)
    for name in TRIGGERS:
        api(stack, "PATCH", f"/automations/{automations[name]['id']}", {"enabled": enabled})


def idle(stack: Stack) -> bool:
    active = ["SCHEDULED", "PENDING", "RUNNING"]
    runs = api(stack, "POST", "/flow_runs/filter", {"flow_runs": {"state": {"type": {"any_": active}}}})
    return not [r for r in runs if r.get("auto_scheduled") is not True]


def test_new_gold_triggers_scoring_and_drift_triggers_retraining(prefect_server):
    stack = prefect_server
    set_triggers(stack, False)
    finished(stack, start_run(stack, "demand-forecast/ad-hoc", WINDOW | {"num_iterations": 40}))
    wait_for(lambda: idle(stack), 300, "the setup runs to settle")
    set_triggers(stack, True)

    refine = finished(
        stack, start_run(stack, "demand-forecast-refine/daily", WINDOW | {"end": "2022-02-28", "replace_changed": True})
    )
    scoring = wait_for(lambda: runs_of(stack, "demand-forecast-score/on-new-gold"), 180, "a triggered scoring run")
    assert len(scoring) == 1 and scoring[0]["created"] > refine["start_time"]
    assert (scoring[0].get("created_by") or {}).get("type") in (None, "AUTOMATION")
    finished(stack, scoring[0]["id"])
    batch = stack.root / "drifted.parquet"
    dates = pd.date_range("2031-07-01", periods=30, freq="D")
    pd.DataFrame(
        {"date": [d.date() for d in dates for _ in STATES], "state": STATES * len(dates), "population": 5e8}
    ).to_parquet(batch, index=False)
    drifted = finished(stack, start_run(stack, "demand-forecast-score/on-new-gold", {"input_path": str(batch)}))
    artifacts = api(stack, "POST", "/artifacts/filter", {"flow_runs": {"id": {"any_": [drifted["id"]]}}})
    report = next(a["data"] for a in artifacts if a["key"] == "drift-report")
    assert "**DRIFT** in" in report and "population" in report
    events = api(stack, "POST", "/events/filter", {"filter": {"event": {"name": ["smelter.drift.detected"]}}})["events"]
    assert any(e["resource"]["prefect.resource.id"] == "smelter.model.demand-forecast" for e in events)

    def retraining() -> list[dict]:  # the scoring run above may have drifted too and triggered one earlier
        return [r for r in runs_of(stack, "demand-forecast-train/monthly") if r["created"] > drifted["start_time"]]

    retrain = wait_for(retraining, 180, "a retraining run triggered by the drift")
    assert len(retrain) == 1
    finished(stack, retrain[0]["id"])
