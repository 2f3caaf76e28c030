"""The repository and author a question names (``narrowing.named``) were
found by reading every distinct PR author of the tenant and running a
regex per author per question: slow on a big tenant, and a login that is
also a common word ("last") was read as a person ("merged for last
month"). Now only the words that can name a person are looked up, with the
repositories the question's words spell, in one query."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event

from pulse_backend.agent.narrowing import AmbiguousName, UnknownName, named
from pulse_backend.agent.tools import ToolContext
from pulse_common.provisioning import drop_tenant
from tests.agent.conftest import tool_context
from tests.agent.test_open_prs import add_pr
from tests.agent.test_routing import NOT_NARROWED
from tests.backend.conftest import Platform, TenantInfo, provision
from tests.backend.support import add_repository, tenant_sql, wait_replica

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

# Logins of a tenant with many authors, two of them common words.
AUTHORS = ("ada", "last", "will", *(f"dev-{i}" for i in range(40)))


@pytest.fixture(scope="module")
def tenant(platform: Platform) -> Iterator[TenantInfo]:
    t = provision(platform, f"agn-{uuid.uuid4().hex[:8]}")
    api = add_repository(platform, t)
    tenant_sql(
        platform,
        t.slug,
        "INSERT INTO repositories (tenant_id, full_name, name) VALUES (:t, 'acme/web', 'web')",
        {"t": t.tenant_id},
    )
    for n, author in enumerate(AUTHORS, start=1):
        add_pr(platform, t, api, n, author, "merged", 5)
    wait_replica(platform)
    yield t
    drop_tenant(platform.engine, t.slug)


@dataclass(frozen=True)
class Counted(ToolContext):
    """The tools' context, counting the statements run and the rows they return."""

    statements: list[int] = field(default_factory=list)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with super().read() as conn:

            def seen(_c: Any, cursor: Any, *_: Any) -> None:
                self.statements.append(cursor.rowcount)

            event.listen(conn, "after_cursor_execute", seen)
            try:
                yield conn
            finally:
                event.remove(conn, "after_cursor_execute", seen)


@pytest.fixture
def ctx(client: TestClient, tenant: TenantInfo) -> Counted:
    base = tool_context(client, tenant)
    return Counted(base.clients, base.principal)


def test_only_the_names_the_question_can_be_are_read_in_one_query(ctx: Counted) -> None:
    assert named(ctx, "open PRs in acme/web by ada") == {"repository": "acme/web", "author": "ada"}
    # One statement, returning the two names: not the tenant's 43 authors.
    assert ctx.statements[-1:] == [2], ctx.statements
    assert named(ctx, "what about dev-7?") == {}
    assert ctx.statements[-1] == 0


def test_a_login_that_is_a_common_word_is_no_person_in_a_period_or_a_phrase(
    ctx: Counted,
) -> None:
    assert named(ctx, "how many PRs did we merge for last month?") == {}
    assert named(ctx, "how many PRs of the last quarter will merge?") == {}
    # Said as a person, it is one; "with" names one too.
    assert named(ctx, "how many PRs by will in api?") == {
        "repository": "acme/api",
        "author": "will",
    }
    assert named(ctx, "which PRs did bo pair on with ada?") == {"author": "ada"}
    # Elsewhere, a login is no person ("did will merge" is: a name between an
    # auxiliary and a verb of making or reviewing PRs, test below).
    assert named(ctx, "has will already reviewed it?") == {}
    assert named(ctx, "did we merge more in api?") == {"repository": "acme/api"}
    assert named(ctx, "how long do dev-3's PRs wait in web?") == {
        "repository": "acme/web",
        "author": "dev-3",
    }


def test_a_first_name_or_the_beginning_of_a_login_is_the_one_person_it_begins(
    ctx: Counted,
) -> None:
    """ "did ada merge", "what does Ad review": a person said as one is the
    login it is or begins (any case); two logins it begins are asked about,
    none said; "for changes" may name no one and names no one."""
    assert named(ctx, "how many PRs did Ada merge?") == {"author": "ada"}
    assert named(ctx, "what does Ad review?") == {"author": "ada"}
    assert named(ctx, "PRs by dev-3") == {"author": "dev-3"}
    assert named(ctx, "how many PRs did will merge?") == {"author": "will"}
    with pytest.raises(
        AmbiguousName, match=r"“dev” could be dev-0, dev-1, .* or others \(40 people\)"
    ):
        named(ctx, "how many PRs did dev merge?")
    with pytest.raises(UnknownName, match="no one named “zed”"):
        named(ctx, "PRs by Zed")
    with pytest.raises(UnknownName, match="no one named “zed”"):
        named(ctx, "PRs by @zed")
    assert named(ctx, "lead time for changes in web") == {"repository": "acme/web"}
    # "of web": the repository, not a person nobody is.
    assert named(ctx, "deploy frequency of web") == {"repository": "acme/web"}


def test_a_repository_said_as_one_that_the_tenant_has_not_is_said(ctx: Counted) -> None:
    with pytest.raises(UnknownName, match=r"no repository named “payments” .*acme/api, acme/web"):
        named(ctx, "lead time for the payments repo")
    with pytest.raises(UnknownName, match="no repository named “acme/payments”"):
        named(ctx, "deployments in acme/payments")
    assert named(ctx, "lead time for the web repo") == {"repository": "acme/web"}


# A tenant whose logins begin with common words and whose repositories are
# called as the metrics are (agent review 24): more than ``LISTED`` of them.
WORDY_LOGINS = ("howard", "letitia", "changeset-bot", "appleby", "ada")
WORDY_REPOSITORIES = ("web", "deployments", "dora", "changes", *(f"r{i:02}" for i in range(8)))


@pytest.fixture(scope="module")
def wordy(platform: Platform) -> Iterator[TenantInfo]:
    t = provision(platform, f"agw-{uuid.uuid4().hex[:8]}")
    api = add_repository(platform, t)
    for name in WORDY_REPOSITORIES:
        tenant_sql(
            platform,
            t.slug,
            "INSERT INTO repositories (tenant_id, full_name, name) VALUES (:t, :f, :n)",
            {"t": t.tenant_id, "f": f"acme/{name}", "n": name},
        )
    for n, author in enumerate(WORDY_LOGINS, start=1):
        add_pr(platform, t, api, n, author, "merged", 5)
    wait_replica(platform)
    yield t
    drop_tenant(platform.engine, t.slug)


@pytest.fixture
def wctx(client: TestClient, wordy: TenantInfo) -> Counted:
    base = tool_context(client, wordy)
    return Counted(base.clients, base.principal)


# Ordinary questions (tests/agent/test_routing.py): each was refused as
# naming an unknown person ("no one named “been”"), or silently narrowed to
# a login it begins ("how's" to howard, "let's" to letitia, "changes" to
# changeset-bot) or to a repository a word of it spells.
@pytest.mark.parametrize("question", NOT_NARROWED)
def test_an_ordinary_question_names_no_one_and_no_repository(wctx: Counted, question: str) -> None:
    assert named(wctx, question) == {}


def test_a_name_is_read_only_where_a_name_stands(wctx: Counted) -> None:
    # A login, or its beginning when that is no word of the vocabulary.
    assert named(wctx, "PRs by howard") == {"author": "howard"}
    assert named(wctx, "how many PRs did Let merge?") == {}
    assert named(wctx, "how many PRs did leti merge?") == {"author": "letitia"}
    assert named(wctx, "lead time for changeset-bot") == {"author": "changeset-bot"}
    # A repository called as a metric, where a repository's name stands.
    assert named(wctx, "lead time for the changes repo") == {"repository": "acme/changes"}
    assert named(wctx, "how many deployments in web?") == {"repository": "acme/web"}
    assert named(wctx, "what is web's lead time?") == {"repository": "acme/web"}
    assert named(wctx, "deployments of acme/dora") == {"repository": "acme/dora"}
    # Lower case after "by", no login's: maybe a word, not said to be nobody.
    assert named(wctx, "deployments by zone") == {}
    with pytest.raises(UnknownName, match="no one named “frank”"):
        named(wctx, "lead time for Frank")


def test_a_date_is_no_repository_and_the_unknown_ones_list_is_capped(wctx: Counted) -> None:
    assert named(wctx, "deployments in 3/1") == {}
    with pytest.raises(UnknownName) as caught:
        named(wctx, "lead time for the payments repo")
    assert str(caught.value).endswith(
        "(its repositories: acme/api, acme/changes, acme/deployments, acme/dora, acme/r00, "
        "acme/r01, acme/r02, acme/r03, acme/r04, acme/r05 and 3 more)"
    ), caught.value
