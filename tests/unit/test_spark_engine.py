"""What a cluster needs, without a JVM: a reachable master and tracking server, and the project's code zip."""

import socket
import time
import zipfile

import pytest

from smelter.spark import SparkEngineError, check_reachable, project_zip


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("scheme, kind", [("spark", "Spark master"), ("sc", "Spark Connect endpoint")])
def test_an_unreachable_master_is_a_prompt_error_naming_setting_and_address(scheme, kind):
    url = f"{scheme}://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    with pytest.raises(SparkEngineError) as err:
        check_reachable(url, timeout=2)
    assert time.monotonic() - started < 3
    message = str(err.value)
    assert "SMELTER_SPARK__MASTER" in message and url in message and kind in message


def test_local_and_reachable_masters_pass():
    check_reachable("local[2]")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        check_reachable(f"spark://127.0.0.1:{server.getsockname()[1]}")


def test_the_code_zip_holds_the_project_packages_without_caches(tmp_path):
    with zipfile.ZipFile(project_zip(tmp_path)) as archive:
        names = archive.namelist()
    assert {"smelter/__init__.py", "smelter/scoring.py", "tasks/demand_forecast/schema.py"} <= set(names)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_a_tracking_server_that_does_not_answer_is_a_prompt_error_naming_the_setting():
    from smelter.tracking import TrackingServerError, check_tracking_server

    url = f"http://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    with pytest.raises(TrackingServerError) as err:
        check_tracking_server(url, timeout=2)
    assert time.monotonic() - started < 3
    assert "SMELTER_MLFLOW__TRACKING_URI" in str(err.value) and url in str(err.value)
    check_tracking_server("sqlite:///anything.db")  # local stores are not servers: nothing to check
