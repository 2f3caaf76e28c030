"""The operator gives the backend's role the password the chart generated
(the backend's DSN uses the same Secret), at startup."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import psycopg
import pytest

from pulse_common.provisioning import ensure_platform
from tests.operator.conftest import Platform, RunningOperator, wait_for
from tests.pulse_db import BACKEND_PASSWORD

pytestmark = [pytest.mark.kube, pytest.mark.postgres]
VARIABLE = "PULSE_OPERATOR_BACKEND_DATABASE_PASSWORD"


@pytest.fixture(scope="module", autouse=True)
def backend_password(platform: Platform) -> Iterator[str]:
    """Set before this module's operator starts (autouse runs first)."""
    password = secrets.token_urlsafe(24)
    os.environ[VARIABLE] = password
    yield password
    del os.environ[VARIABLE]
    ensure_platform(platform.engine, backend_password=BACKEND_PASSWORD)  # every suite's


def _login(platform: Platform, password: str) -> str | None:
    try:
        with psycopg.connect(platform.tenant_dsn("pulse_backend", password)) as conn:
            row = conn.execute("SELECT current_user").fetchone()
            return str(row[0]) if row else None
    except psycopg.OperationalError:
        return None


def test_backend_logs_in_with_the_charts_password(
    platform: Platform, operator: RunningOperator, backend_password: str
) -> None:
    assert wait_for("pulse_backend to log in", lambda: _login(platform, backend_password)) == (
        "pulse_backend"
    )
    assert _login(platform, BACKEND_PASSWORD) is None  # the old one no longer works
