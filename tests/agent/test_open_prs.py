"""Open pull requests: "which pull requests are still open?" was answered
with review times (slowest_reviews) and nothing listed the open PRs. The
tool on hand-built rows (open, merged and closed-unmerged PRs; a review by
the PR's own author is no review), and the question through the API in
local mode on the demo seed, as a question and as a follow-up. The
expected PRs are computed here from the rows, not by the code under test."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.agent import answers
from pulse_backend.agent.narrowing import UnknownName, named
from pulse_backend.agent.tools import TOOLS, ToolContext
from pulse_backend.analytics.wording import fmt_count
from pulse_common.ai import Embedder
from pulse_common.provisioning import drop_tenant
from tests.agent.conftest import local_runtime, signed_in, tool_context, use_runtime
from tests.agent.test_local_and_memory import last_90_days, text_of
from tests.agent.test_local_follow_ups import cited, conversation, default_days
from tests.backend.conftest import Platform, TenantInfo, provision
from tests.backend.support import add_repository, tenant_sql, wait_replica

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

NOW = dt.datetime.now(dt.UTC)


def add_pr(
    platform: Platform,
    t: TenantInfo,
    repo: int,
    number: int,
    author: str,
    state: str,
    days_ago: float,
    reviewers: tuple[str, ...] = (),
) -> int:
    created = NOW - dt.timedelta(days=days_ago)
    done = created + dt.timedelta(days=1) if state != "open" else None
    [(pr,)] = tenant_sql(
        platform,
        t.slug,
        "INSERT INTO prs (tenant_id, repository_id, number, title, author, state, created, "
        "merged_at, closed_at) VALUES (:t, :r, :n, :title, :a, :s, :c, :m, :d) RETURNING id",
        {
            "t": t.tenant_id,
            "r": repo,
            "n": number,
            "title": f"change {number}",
            "a": author,
            "s": state,
            "c": created,
            "m": done if state == "merged" else None,
            "d": done,
        },
    )
    for i, who in enumerate(reviewers):
        tenant_sql(
            platform,
            t.slug,
            "INSERT INTO prs_reviews (tenant_id, pr_id, external_id, reviewer, state, "
            "submitted_at) VALUES (:t, :p, :x, :who, 'commented', :at)",
            {"t": t.tenant_id, "p": pr, "x": f"{pr}-{i}", "who": who, "at": created},
        )
    return int(pr)


@pytest.fixture(scope="module")
def rows(platform: Platform) -> Iterator[tuple[TenantInfo, dict[str, int]]]:
    t = provision(platform, f"agp-{uuid.uuid4().hex[:8]}")
    api = add_repository(platform, t)
    [(web,)] = tenant_sql(
        platform,
        t.slug,
        "INSERT INTO repositories (tenant_id, full_name, name) VALUES (:t, 'acme/web', 'web') "
        "RETURNING id",
        {"t": t.tenant_id},
    )
    prs = {
        "reviewed": add_pr(platform, t, api, 1, "ada", "open", 10, ("bo", "ada", "cy")),
        "self_reviewed": add_pr(platform, t, api, 2, "ada", "open", 5, ("ada",)),
        "web": add_pr(platform, t, web, 1, "cy", "open", 2),
        "merged": add_pr(platform, t, api, 3, "ada", "merged", 8, ("bo",)),
        "closed": add_pr(platform, t, api, 4, "bo", "closed", 7),
        "old": add_pr(platform, t, api, 5, "bo", "open", 200),
    }
    wait_replica(platform)
    yield t, prs
    drop_tenant(platform.engine, t.slug)


@pytest.fixture
def ctx(client: TestClient, rows: tuple[TenantInfo, dict[str, int]]) -> ToolContext:
    return tool_context(client, rows[0])


def test_open_prs_lists_the_open_ones_oldest_first_with_their_reviewers(
    ctx: ToolContext, rows: tuple[TenantInfo, dict[str, int]]
) -> None:
    _, prs = rows
    out = TOOLS["open_prs"].run(ctx, {"days": 90})
    listed = out.data["prs"]
    # Merged and closed-unmerged PRs are not open; one opened before the
    # period is counted as older, not listed.
    assert [p["pr_id"] for p in listed] == [prs["reviewed"], prs["self_reviewed"], prs["web"]]
    assert [c.id for c in out.citations] == [p["pr_id"] for p in listed]
    assert (out.data["total"], out.data["older"]) == (3, 1)
    # A review by the PR's own author is no review.
    assert [p["reviewers"] for p in listed] == [["bo", "cy"], [], []]
    assert out.data["unreviewed"] == 2
    assert [(p["pr"], p["author"]) for p in listed] == [
        ("acme/api#1 change 1", "ada"),
        ("acme/api#2 change 2", "ada"),
        ("acme/web#1 change 1", "cy"),
    ]
    assert [round(p["age_hours"] / 24) for p in listed] == [10, 5, 2]
    assert out.summary == "3 open PRs opened over 90 days, 2 not reviewed yet"
    text = answers.open_prs(out, "in the last days")
    assert text.splitlines()[:3] == [
        "Pull requests opened in the last days that are still open: 3 open PRs, 2 of them "
        "not reviewed yet by anyone but their author; oldest first:",
        "1. acme/api#1 change 1 (by ada, open for 10 days): reviewed by bo, cy",
        "2. acme/api#2 change 2 (by ada, open for 5.0 days): not reviewed yet",
    ]
    assert text.endswith("\n1 more open PR was opened before that."), text


def test_open_prs_narrow_by_repository_author_and_period(
    ctx: ToolContext, rows: tuple[TenantInfo, dict[str, int]]
) -> None:
    _, prs = rows
    run = TOOLS["open_prs"].run
    assert [p["pr_id"] for p in run(ctx, {"repository": "web"}).data["prs"]] == [prs["web"]]
    by_ada = run(ctx, {"author": "ADA", "repository": "acme/api"}).data
    assert [p["pr_id"] for p in by_ada["prs"]] == [prs["reviewed"], prs["self_reviewed"]]
    assert by_ada["narrowed"] == " in acme/api by ada"
    week = run(ctx, {"days": 7}).data
    assert [p["pr_id"] for p in week["prs"]] == [prs["self_reviewed"], prs["web"]]
    assert week["older"] == 2
    with pytest.raises(UnknownName, match="no repository named 'nope'"):
        run(ctx, {"repository": "nope"})


def test_a_question_names_the_repository_and_author_it_narrows_by(ctx: ToolContext) -> None:
    assert named(ctx, "open PRs in acme/web by ada") == {"repository": "acme/web", "author": "ada"}
    assert named(ctx, "which of cy's PRs in web are waiting?") == {
        "repository": "acme/web",
        "author": "cy",
    }
    # A login only counts after "by"/"for"/"of"/"from" or with "'s".
    assert named(ctx, "did bo merge anything in the apiary?") == {}


def test_the_llm_sees_the_open_prs_tool_with_its_filters() -> None:
    spec = TOOLS["open_prs"].spec
    assert {"days", "end", "repository", "author"} <= set(spec.parameters["properties"])


# The open PRs opened in the last 90 days (UTC days), oldest first, and
# whether someone other than the author reviewed each.
OPEN = """
SELECT pr.id, EXISTS (SELECT FROM prs_reviews rv WHERE rv.pr_id = pr.id
                      AND rv.reviewer <> coalesce(pr.author, '')) AS reviewed
FROM prs pr WHERE pr.state = 'open' AND pr.created >= :start AND pr.created < :end
ORDER BY pr.created, pr.id
"""


def open_prs(platform: Platform, demo: TenantInfo) -> list[Any]:
    return tenant_sql(platform, demo.slug, OPEN, default_days())


def test_which_pull_requests_are_still_open_through_the_api(
    client: TestClient, platform: Platform, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    rows = open_prs(platform, demo)
    assert rows, "the demo seed leaves PRs open"
    expected = [r.id for r in rows]
    waiting = sum(not r.reviewed for r in rows)
    # Which wait for a first review is said before the list (what "waiting
    # for review" asks; the oldest ten listed may all be reviewed).
    said = (
        f"{waiting} of them not reviewed yet by anyone but their author"
        if waiting
        else "each reviewed by someone other than its author"
    )
    for question in ("Which pull requests are still open?", "PRs waiting for review"):
        events = ask(s, question)
        assert events[0][1]["tool"] == "open_prs", (question, events)
        answer = text_of(events)
        assert answer.startswith(
            f"Pull requests opened {last_90_days()} that are still open: "
            f"{fmt_count(len(expected), 'open PR', 'open PRs')}, {said}; oldest first:\n"
        ), answer
        assert cited(events, "pr") == expected[:10], question
    # After a question about PRs, "which of those are still open?" is about PRs.
    conv = conversation(client, s)
    ask(s, "Which PRs took the longest to review?", conv)
    events = ask(s, "And which of those are still open?", conv)
    assert events[0][1]["tool"] == "open_prs", events
    # A repository named in the question narrows the answer.
    events = ask(s, "which PRs in web are still open?")
    assert events[0][1]["arguments"]["repository"].endswith("/web"), events
    assert " in " in text_of(events).splitlines()[0] and "/web opened " in text_of(events)
