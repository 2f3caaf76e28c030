"""A tools' context whose every read holds its lock on a table on the
replica until the replica cancels it for a conflict with recovery: the
real reads are over in milliseconds, too soon for the primary's lock
(``tests.backend.test_replica_conflicts.during_a_replayed_lock``) to
conflict with them. On the primary (the retry) the wait is no wait."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from pulse_backend.agent.toolkit import ToolContext
from pulse_common.tenancy import TenantNames, quote_ident
from tests.agent.conftest import tool_context
from tests.backend.conftest import Platform, TenantInfo
from tests.backend.test_replica_conflicts import during_a_replayed_lock

T = TypeVar("T")

# How many reads run a wait on the replica (``{"q": wait}``).
_RUNNING = text("SELECT count(*) FROM pg_stat_activity WHERE query = :q")


@dataclass(frozen=True)
class HeldContext(ToolContext):
    """``ToolContext`` whose read first reads ``table`` then runs ``wait``."""

    table: str = "deployments"
    wait: str = ""

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with super().read() as conn:
            conn.execute(text(f"SELECT count(*) FROM {self.table}"))
            conn.execute(text(self.wait))
            yield conn


def during_a_held_read(
    client: TestClient,
    platform: Platform,
    info: TenantInfo,
    table: str,
    read: Callable[[ToolContext], T],
    then: Callable[[str], str],
) -> T:
    """``read(ctx)``'s answer (or error), ``ctx`` the tools' real context
    for ``info``'s tenant whose reads hold their lock on ``table`` on the
    replica while the primary locks it and runs ``then(its qualified
    name)`` in the same transaction."""
    # On the replica only, until the replica cancels it; the comment tells
    # it from other tests'.
    wait = f"SELECT pg_sleep(120) /* held read of {table} */ WHERE pg_is_in_recovery()"
    real = tool_context(client, info)
    ctx = HeldContext(real.clients, real.principal, table=table, wait=wait)
    qualified = f"{quote_ident(TenantNames(info.slug).schema)}.{table}"
    return during_a_replayed_lock(
        platform, qualified, lambda: read(ctx), _RUNNING, {"q": wait}, then(qualified)
    )
