"""Whether the app holds a transaction open while it waits on something else.

A read transaction kept open across an embedding (seconds, the first time
the model loads) or a call to the vector store makes the replica cancel it
when it must replay a conflicting change, or hold back its cleanup meanwhile
(``pulse_backend.replica_conflicts``); on the primary it holds back VACUUM.
While the app waits on such a call, the session of a transaction it left
open is ``idle in transaction`` in ``pg_stat_activity``: these helpers look
there, on the real servers, at the moment the app is inside the call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from pulse_common.ai import Embedder
from tests.backend.conftest import Platform

# The backend's engines' application names (``pulse_backend.state``): the
# test's own connections and the ETL's are not the app's.
APP_SESSIONS = ("pulse-backend", "pulse-backend-replica")

_IDLE_IN_TRANSACTION = text(
    "SELECT application_name, state, now() - xact_start FROM pg_stat_activity"
    " WHERE application_name = ANY(:apps) AND state LIKE 'idle in transaction%'"
)


def _on(engine: Engine, where: str) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(_IDLE_IN_TRANSACTION, {"apps": list(APP_SESSIONS)}).all()
    return [f"{where}: {app} {state} for {age}" for app, state, age in rows]


def open_transactions(platform: Platform) -> list[str]:
    """The app's sessions, on the replica and on the primary, that are in a
    transaction but run no statement: what it holds open while it waits."""
    return _on(platform.replica_engine, "replica") + _on(platform.engine, "primary")


@dataclass
class Checked:
    """What ``open_transactions`` found at each call, with what was called."""

    calls: list[tuple[str, list[str]]] = field(default_factory=list)

    def check(self, platform: Platform, what: str) -> None:
        self.calls.append((what, open_transactions(platform)))

    def held(self) -> list[tuple[str, list[str]]]:
        """The calls made while the app held a transaction open."""
        return [(what, found) for what, found in self.calls if found]


class CheckingEmbedder:
    """``inner``, which first looks at what the app holds open (``checked``)
    each time it is asked to embed. ``name``: another cache key than
    ``inner``'s, so that texts embedded earlier in the process are embedded
    (and checked) again; by default ``inner``'s (search's relevance cut-off
    is chosen by it)."""

    def __init__(
        self, inner: Embedder, platform: Platform, checked: Checked, name: str | None = None
    ) -> None:
        self._inner = inner
        self._platform = platform
        self._checked = checked
        self._name = name or inner.name

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self._checked.check(self._platform, f"embed {list(texts)[:3]}")
        return self._inner.embed(texts)


def checking_hook(platform: Platform, checked: Checked) -> Callable[[str, str], None]:
    """For the local Qdrant's ``on_request``: each request the app sends it
    is checked while the app waits for its answer."""

    def hook(method: str, path: str) -> None:
        checked.check(platform, f"qdrant {method} {path}")

    return hook
