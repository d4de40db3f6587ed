"""Bad input fails at once; a transient error is retried (real Prefect task runs)."""

import pytest
from prefect import flow, task

from smelter.hooks import retry_transient
from tasks.common.ingest import RawFileError

calls: list[str] = []


@task(retries=2, retry_delay_seconds=0, retry_condition_fn=retry_transient)
def flaky(kind: str) -> str:
    calls.append(kind)
    if kind == "bad-input":
        raise RawFileError("raw source x.csv lacks column(s) ['State']")
    if calls.count(kind) < 2:
        raise ConnectionError("tracking server unreachable")
    return "ok"


@flow
def run(kind: str) -> str:
    return flaky(kind)


def test_bad_input_is_not_retried_and_transient_errors_are(prefect_api):
    calls.clear()
    with pytest.raises(RawFileError):
        run("bad-input")
    assert calls == ["bad-input"]
    assert run("transient") == "ok" and calls.count("transient") == 2
