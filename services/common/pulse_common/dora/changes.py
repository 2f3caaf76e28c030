"""What changed since the last relink, so that ``relink`` recomputes only
that, with the same stored result as a full pass.

Statement triggers (migration d3f7a9c2e5b1) mark, in ``dora_changes``, what
any write can move, whoever writes (the ETL's loads, seeds, an admin's fix):

- ``work_item`` <id>: its ``work_started_at`` or one of its changelogs
  (item, status, time) changed: its stored start is recomputed;
- ``all_work_items``: a status changed category: every item's start;
- ``pr`` <id>: its title, branch, opening, author, API starts, commits or
  reviews changed: its markers and stored starts;
- ``repository`` <id>: one of its deployments, commits or merged PRs
  changed, with the earliest finish time of a changed deployment
  (``since_finished``) and commit time of a changed commit or merge commit
  (``since_committed``), old and new values alike: its deployment chains
  are recomputed from there on (``dora.tails``); ``whole_repository`` <id>:
  its default branch changed, all of them. A PR's links all lie in its own
  repository's deployments, so a repository is self-contained;
- ``incidents``: an incident, a project's repositories or a manual link
  changed: every incident link (there are few incidents; they are also
  relinked when a repository changed, as its deployments are candidates).

Everything is recomputed (a full pass) when the fingerprint of what the last
relink ran under differs: the tenant's DORA rules, the schema's migration
revision, or ``DERIVATION`` (bump it when what relink derives changes). A
tenant that never relinked has no state, so its first relink is full.

``take`` empties the queue with one ``DELETE … RETURNING`` in the relink's
transaction, which must be READ COMMITTED (the default): a row a writer
marked before and has not committed yet makes the DELETE wait for that
commit (the trigger's upsert locks the row), so the relink's later
statements see the write; a row marked after it stays for the next relink.
A rolled-back relink leaves the queue and the state as they were."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, delete, select, text
from sqlalchemy.dialects.postgresql import insert

from pulse_common.dora.settings import DoraRules
from pulse_common.models.base import table_of
from pulse_common.models.tenant_dora import DoraChange, DoraRelinkState

# What relink derives, versioned: a change of definition re-derives everything.
DERIVATION = "1"
_STATE = table_of(DoraRelinkState)


class Since(BaseModel):
    """From when a repository's deployment chains changed (None: not on
    that account); ``whole``: all of them."""

    model_config = ConfigDict(frozen=True)

    finished: dt.datetime | None = None
    committed: dt.datetime | None = None
    whole: bool = False


class Changes(BaseModel):
    """What one relink recomputes; ``full``: everything (the rest is empty)."""

    full: bool
    work_items: frozenset[int] = frozenset()
    all_work_items: bool = False
    prs: frozenset[int] = frozenset()
    repositories: dict[int, Since] = {}
    incidents: bool = False

    @property
    def nothing(self) -> bool:
        return not (
            self.full
            or self.work_items
            or self.all_work_items
            or self.prs
            or self.repositories
            or self.incidents
        )


def fingerprint(conn: Connection, rules: DoraRules) -> str:
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    made = f"{DERIVATION}|{revision}|{rules.model_dump_json()}"
    return hashlib.sha256(made.encode()).hexdigest()


def take(conn: Connection, tenant_id: int, rules: DoraRules, *, full: bool = False) -> Changes:
    """Empties the queue and records the fingerprint; what to recompute."""
    now = fingerprint(conn, rules)
    before = conn.execute(select(DoraRelinkState.fingerprint)).scalar()
    if before != now:
        conn.execute(
            insert(_STATE)
            .values(tenant_id=tenant_id, fingerprint=now)
            .on_conflict_do_update(index_elements=["singleton"], set_={"fingerprint": now})
        )
    if full or before != now:
        # (A bulk load leaves a mark per row: not read back when all is redone.)
        conn.execute(delete(DoraChange))
        return Changes(full=True)
    marked: dict[str, set[int]] = defaultdict(set)
    repositories: dict[int, Since] = {}
    for kind, row_id, finished, committed in conn.execute(
        delete(DoraChange).returning(
            DoraChange.kind,
            DoraChange.row_id,
            DoraChange.since_finished,
            DoraChange.since_committed,
        )
    ):
        marked[kind].add(row_id)
        if kind == "repository":
            repositories[row_id] = Since(finished=finished, committed=committed)
    for row_id in marked["whole_repository"]:
        repositories[row_id] = Since(whole=True)
    return Changes(
        full=False,
        work_items=frozenset(marked["work_item"]),
        all_work_items=bool(marked["all_work_items"]),
        prs=frozenset(marked["pr"]),
        repositories=repositories,
        incidents=bool(marked["incidents"]),
    )
