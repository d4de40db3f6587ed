"""End to end on a real Prefect server: every deployment of prefect.yaml with its schedule and
upcoming runs, a process worker running one deployment with a parameter override (outputs and
artifacts checked through the API), and the UI's deployments page in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from scripts import prefect_stack
from smelter import lake
from tests.deploy.prefect_helpers import TERMINAL, wait_for

PROJECT = prefect_stack.PROJECT_DIR
FLOW_OF = {
    "flows/demand_forecast.py:demand_forecast_refine": "demand-forecast-refine",
    "flows/demand_forecast.py:demand_forecast_train": "demand-forecast-train",
    "flows/demand_forecast.py:demand_forecast": "demand-forecast",
    "flows/demand_forecast.py:demand_forecast_score": "demand-forecast-score",
    "flows/heart_risk.py:heart_risk_score": "heart-risk-score",
    "flows/heart_risk.py:heart_risk_train": "heart-risk-train",
    "flows/network_design.py:network_design": "network-design",
    "flows/data_profile.py:data_profile": "data-profile",
    "flows/main.py:run_all": "smelter",
    "flows/causal_effects.py:causal_effects": "causal-effects",
}


def declared() -> dict[str, dict]:
    """prefect.yaml's deployments by full name ``flow/deployment``."""
    spec = yaml.safe_load((PROJECT / "prefect.yaml").read_text())
    return {f"{FLOW_OF[d['entrypoint']]}/{d['name']}": d for d in spec["deployments"]}


def deployed(stack) -> dict[str, dict]:
    flows = {f["id"]: f["name"] for f in stack.post("/flows/filter")}
    return {f"{flows[d['flow_id']]}/{d['name']}": d for d in stack.post("/deployments/filter")}


def test_every_flow_is_deployed_with_its_schedule_and_upcoming_runs(prefect_server):
    want, have = declared(), deployed(prefect_server)
    assert set(FLOW_OF.values()) == {name.split("/")[0] for name in want}  # a deployment for every flow
    assert set(have) == set(want)
    pool = prefect_server.get(f"/work_pools/{prefect_stack.POOL}")
    assert pool["type"] == "process" and pool["concurrency_limit"] == prefect_stack.CONCURRENCY
    for name, spec in want.items():
        got = have[name]
        assert (
            got["work_pool_name"] == "smelter-process" and got["description"] and set(got["tags"]) == set(spec["tags"])
        )
        assert got["parameters"] == spec["parameters"]
        assert got["job_variables"]["env"]["PREFECT_TASK_DEFAULT_RETRY_DELAY_SECONDS"] == "10,60"
        assert got["pull_steps"] == [
            {"prefect.deployments.steps.set_working_directory": {"directory": "{{ $SMELTER_PROJECT_DIR }}"}}
        ]
        crons = sorted(s["schedule"]["cron"] for s in got["schedules"])
        assert crons == sorted(s["cron"] for s in spec["schedules"]), name
        if crons:
            upcoming = wait_for(
                lambda got=got: prefect_server.post(
                    "/flow_runs/filter",
                    {
                        "deployments": {"id": {"any_": [got["id"]]}},
                        "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
                    },
                ),
                60,
                f"upcoming runs of {name}",
            )
            assert all(r["expected_start_time"][11:16] == _hhmm(crons[0]) for r in upcoming), name
    assert want["demand-forecast-refine/daily"]["schedules"][0]["cron"] == "0 2 * * *"
    assert want["demand-forecast-train/monthly"]["schedules"][0]["cron"].endswith(" 1 * *")


def _hhmm(cron: str) -> str:
    minute, hour = cron.split()[:2]
    return f"{int(hour):02d}:{int(minute):02d}"


def test_worker_runs_a_deployment_with_a_parameter_override(prefect_server):
    """The fixture's process worker picks up a run triggered the README way, with overrides."""
    stack = prefect_server
    t0 = time.monotonic()
    out = subprocess.run(
        [
            str(Path(sys.executable).with_name("prefect")),
            "deployment",
            "run",
            "network-design/monthly",
            "-p",
            "n_cities=4",
            "-p",
            "thresholds=[0, 500]",
            "-p",
            "city_set=random",
        ],
        env=stack.env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    run_id = re.search(r"UUID:\s*([0-9a-f-]{36})", out).group(1)
    run = wait_for(
        lambda: (r := stack.get(f"/flow_runs/{run_id}"))["state_type"] in TERMINAL and r,
        240,
        "the triggered run to finish",
    )
    stack.timings["triggered run"] = time.monotonic() - t0
    assert run["state_type"] == "COMPLETED", stack.log_tail("worker.log")
    assert run["parameters"]["n_cities"] == 4 and run["parameters"]["thresholds"] == [0, 500]
    assert run["name"].startswith("network-design-n4-") and " @ 20" in run["name"]

    summary = lake.read_pandas(stack.root / "data", "gold", "network_summary")  # the worker wrote to tmp
    assert summary["threshold"].tolist() == [0.0, 500.0] and summary["n_cities"].eq(4).all()
    assert (stack.root / "mlruns" / "mlflow.db").exists()

    artifacts = {a["key"]: a for a in stack.post("/artifacts/filter", {"flow_runs": {"id": {"any_": [run_id]}}})}
    assert {"network-design-summary", "network-design-key-numbers", "network-summary"} <= set(artifacts)
    assert "## Optimisation" in artifacts["network-design-summary"]["data"]
    assert "designs optimal" in str(artifacts["network-design-key-numbers"]["data"])

    def task_logs():  # the run's logs are shipped in batches, possibly after its final state
        logs = stack.post("/logs/filter", {"logs": {"flow_run_id": {"any_": [run_id]}}, "limit": 200})
        return [log for log in logs if log["task_run_id"]]

    assert wait_for(task_logs, 60, "task logs in the Prefect UI"), "task logs reach the Prefect UI"


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_ui_deployments_page_in_headless_chromium(prefect_server, tmp_path):
    browser = chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (CI installs it: .ci/run)")
        pytest.skip("chromium is not installed: apt-get install -y chromium")
    url = prefect_server.env["PREFECT_API_URL"].removesuffix("/api") + "/deployments"
    shot = PROJECT / "artifacts" / "prefect-deployments.png"
    shot.parent.mkdir(exist_ok=True)
    base = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--window-size=1400,1000",
        "--virtual-time-budget=15000",
    ]

    def run(*args, profile):
        return subprocess.run(
            [*base, f"--user-data-dir={tmp_path / profile}", *args, url],
            capture_output=True,
            text=True,
            timeout=120,
        )

    dom = run("--dump-dom", profile="dom").stdout
    for name in declared():
        flow, deployment = name.split("/")
        assert flow in dom and deployment in dom, f"{name} not on the UI's deployments page"
    shot.unlink(missing_ok=True)
    run(f"--screenshot={shot}", profile="shot")
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR", "the screenshot is not a PNG"
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (1400, 1000)  # --window-size
    assert len(png) > 10_000  # a drawn page, not an empty canvas
