"""The endpoint follows its alias: ready only once loaded, then v1 -> v2 under load, no failed request."""

from __future__ import annotations

import http.client
import json
import threading
import time
from urllib.parse import urlparse

from tests.serving.serving_helpers import KEY, call, register_tiny, running_server

NAME = "switch-demo"
BODY = json.dumps(
    {"dataframe_split": {"columns": ["day_of_year", "population", "is_holiday"], "data": [[90, 2.5e6, False]]}}
).encode()


def stream(url: str, stop: threading.Event, seen: list) -> None:
    """POST /score over one keep-alive connection until ``stop``; append (status, version, prediction)."""
    parts = urlparse(url)
    assert parts.hostname is not None, f"no host in {url}"
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    while not stop.is_set():
        try:
            conn.request("POST", "/score", BODY, headers)
            resp = conn.getresponse()
            body = json.loads(resp.read())
            seen.append((resp.status, body.get("version"), body.get("predictions", [None])[0]))
            time.sleep(0.005)  # a steady stream, leaving the GIL to the test's own registry calls
        except (OSError, http.client.HTTPException, ValueError) as exc:
            seen.append((type(exc).__name__, None, None))
            conn.close()


def wait_for(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_alias_switch_under_load(serving_settings, tmp_path):
    key_file = tmp_path / "endpoint.key"
    key_file.write_text(f"{KEY}\n")
    with running_server(
        serving_settings,
        tmp_path / "server.log",
        ready=False,
        api_key_file=str(key_file),
        model_uri=f"models:/{NAME}@champion",
        alias_poll_seconds="0.3",
    ) as url:
        status, health, _ = call(f"{url}/health", key=None)
        assert (status, health["status"]) == (503, "loading")  # nothing registered yet
        assert call(f"{url}/score", BODY)[0] == 503

        register_tiny(serving_settings, NAME, scale=1.0)
        assert wait_for(lambda: call(f"{url}/health", key=None)[0] == 200, timeout=60)

        stop, streams = threading.Event(), [[], []]
        threads = [threading.Thread(target=stream, args=(url, stop, seen)) for seen in streams]
        for t in threads:
            t.start()
        assert wait_for(lambda: all(len(s) > 20 for s in streams))
        register_tiny(serving_settings, NAME, scale=10.0)  # v2, and @champion moves to it
        switched = wait_for(lambda: all(any(v == "2" for _, v, _ in s[-5:]) for s in streams))
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join(timeout=15)

    assert switched, "v2 was never served"
    for seen in streams:
        assert [s for s in seen if s[0] != 200] == [], "some requests failed during the switch"
        versions = [v for _, v, _ in seen]
        first_v2 = versions.index("2")
        assert set(versions[:first_v2]) == {"1"} and set(versions[first_v2:]) == {"2"}, versions
        assert seen[0][2] != seen[-1][2]  # v2 really is another model
