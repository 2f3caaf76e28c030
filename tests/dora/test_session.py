"""The analytics read transaction's session settings: JIT off for its
statements only (``SET LOCAL``), so the connection, back in the pool,
keeps the server's setting for everything else."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from pulse_common.analytics.common import analytics_session
from tests.pulse_db import PulseDb

pytestmark = pytest.mark.postgres
JIT = text("SELECT current_setting('jit')")


def test_jit_is_off_inside_the_analytics_transaction_only(pulse_db: PulseDb) -> None:
    with pulse_db.engine.connect() as conn:
        conn.execute(text("SET jit = on"))  # the session's own value
        conn.commit()
        with conn.begin():
            analytics_session(conn)
            assert conn.execute(JIT).scalar_one() == "off"
        with conn.begin():
            assert conn.execute(JIT).scalar_one() == "on"
