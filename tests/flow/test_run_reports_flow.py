"""A real flow under the Prefect API publishes its summary artifacts; a failing one writes and posts
its failure summary to a real webhook on loopback."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SMALL = {"thresholds": [0.0, 500.0], "n_cities": 4, "city_set": "random", "seed": 3, "time_limit_s": 20}


@pytest.fixture()
def webhook():
    """A loopback HTTP server recording every JSON body POSTed to it."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def _artifacts(flow_run_id) -> dict:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {a.key: a for a in found}


def _last_run(flow_name: str):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        return client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])), sort=FlowRunSort.START_TIME_DESC, limit=1
        )[0]


def test_successful_run_publishes_summary_and_key_numbers(flow_settings):
    from flows.network_design import network_design

    network_design(**SMALL)
    run = _last_run("network-design")
    assert run.name.startswith("network-design-n4-") and " @ 20" in run.name and run.name.endswith("Z")
    found = _artifacts(run.id)
    assert {"network-design-summary", "network-design-key-numbers", "network-summary"} <= set(found)
    summary = found["network-design-summary"]
    assert summary.type == "markdown" and "## Optimisation" in summary.data and "network_summary" in summary.data
    numbers = json.loads(found["network-design-key-numbers"].data)
    assert {"section": "optimisation", "name": "designs optimal", "value": "2/2"} in numbers


def test_failed_run_writes_summary_and_posts_it_to_the_webhook(flow_settings, webhook, monkeypatch, tmp_path):
    from flows.network_design import network_design

    url, received = webhook
    monkeypatch.setenv("SMELTER_NOTIFY_WEBHOOK_URL", url)
    missing = tmp_path / "no_such_cities.csv"
    with pytest.raises(FileNotFoundError):
        network_design(**SMALL, cities_path=str(missing))
    assert len(received) == 1
    body = received[0]
    assert body["flow"] == "network-design" and body["state"] == "Failed"
    assert [s["name"].rsplit("-", 1)[0] for s in body["failed_steps"]] == ["network-design.prepare-inputs"]
    for part in (
        "# network-design FAILED",
        f"`{body['failed_steps'][0]['name']}`",
        str(missing),
        "`cities_path`",
        "path parameters",
    ):
        assert part in body["text"]
    failure = _artifacts(_last_run("network-design").id)["network-design-failure"]
    assert failure.data == body["text"]


def test_run_name_fills_defaults_and_the_utc_start(prefect_api):
    from prefect import flow

    from smelter.hooks import run_name

    @flow(name="named", flow_run_name=run_name("named-{a}-{b}-{nope}"))
    def named(a: int = 1, b: str = "z") -> None:
        pass

    named(a=2)
    name = _last_run("named").name
    assert name.startswith("named-2-z-{nope} @ 20") and name.endswith("Z"), name
