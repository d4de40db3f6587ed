"""A real Prefect server on a free loopback port with a temporary SQLite database, deployed from
prefect.yaml; everything it started is stopped at the end, and nothing may be left running."""

from __future__ import annotations

import pytest

from tests.deploy.prefect_helpers import running_stack


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("prefect-stack")) as stack:
        yield stack
