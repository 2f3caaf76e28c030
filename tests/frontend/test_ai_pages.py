"""The Search and Assistant pages in chromium against the real backend, on a
demo-seeded tenant (no AI provider: the assistant answers in local mode; no
Qdrant: search answers from PostgreSQL full text and says so)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text

from pulse_common.tenancy import TenantNames, quote_ident
from pulse_testworld import World
from pulse_testworld.procs import wait_until
from tests.frontend.conftest import Stack, Tenant, _dsn, run_browser

QUESTION = "Where do most of our production outages originate, by repo?"


def _a_pull_request(stack: Stack, world: World, slug: str) -> tuple[str, str]:
    """A seeded PR ("KEY-1: summary", the summary free of web-search operators) and its
    GitHub link; waited for on the replica, which the search reads."""
    from pulse_common.db import make_engine

    schema = quote_ident(TenantNames(slug).schema)
    sql = text(
        f"SELECT p.title, 'https://github.com/' || r.full_name || '/pull/' || p.number AS url "
        f"FROM {schema}.prs p JOIN {schema}.repositories r ON r.id = p.repository_id "
        "WHERE p.title LIKE '%: %' AND p.title !~ '[\"]' AND p.title !~* '\\mor\\M' "
        "ORDER BY p.id LIMIT 1"
    )
    with stack.engine.connect() as conn:
        row = conn.execute(sql).one()
    replica = make_engine(_dsn(world.postgres.replica_dsn))
    try:

        def replayed() -> bool:
            with replica.connect() as conn:
                return conn.execute(sql).one_or_none() is not None

        wait_until("the replica has the demo data", replayed, timeout=30)
    finally:
        replica.dispose()
    return str(row.title), str(row.url)


def _repository_urls(stack: Stack, slug: str) -> dict[str, str]:
    schema = quote_ident(TenantNames(slug).schema)
    with stack.engine.connect() as conn:
        rows = conn.execute(text(f"SELECT full_name, url FROM {schema}.repositories"))
        return {str(r.full_name): str(r.url) for r in rows}


def test_search_and_assistant_pages(stack: Stack, world: World, demo_tenant: Tenant) -> None:
    title, url = _a_pull_request(stack, world, demo_tenant.slug)
    words = title.split(": ", 1)[1]  # the summary, without the Jira key
    r = run_browser(
        "aiPages",
        stack,
        tenant=demo_tenant.slug,
        email=demo_tenant.admin_email,
        password=demo_tenant.password,
        query=words,
        question=QUESTION,
        correction="Count only production incidents, newest first.",
        nothing="xyzzy plugh frobnicate",
    )
    assert r["consoleErrors"] == []
    assert r["violations"] == [], r["violations"]

    s = r["search"]
    assert s["q"] == words
    assert {"text": title, "href": url} in s["links"]
    assert any(g.startswith("Pull requests") for g in s["groups"])
    # No vector store in this stack: the page says the answer is full text.
    assert s["mode"] == "fulltext"
    assert s["notice"] and "full-text" in s["notice"]
    # Nothing matches: said in the API's words, with a hint, and no groups.
    assert s["empty"]["text"].startswith("No results for “xyzzy plugh frobnicate”."), s["empty"]
    assert "try other words" in s["empty"]["text"] and s["empty"]["groups"] == 0
    assert Path(s["emptyShot"]).stat().st_size > 5_000
    assert "at most 500 characters" in s["tooLong"], s["tooLong"]

    a = r["assistant"]
    assert a["contentType"].startswith("text/event-stream")
    # Streamed token by token, and the page shows exactly what was streamed.
    assert a["tokenEvents"] > 1
    assert a["shownText"] == a["streamedText"]
    assert a["steps"] and a["steps"][0].startswith("incidents_by_repository")
    assert a["mode"] == "local"
    assert a["citations"], "the answer cites the repositories it used"
    # Each repository cited links to that repository's own URL.
    repos = _repository_urls(stack, demo_tenant.slug)
    assert {c["text"] for c in a["citations"]} <= repos.keys()
    assert all(c["href"] == repos[c["text"]] for c in a["citations"])
    assert a["citations"][0]["text"] in a["shownText"]
    assert a["url"].startswith("?c=")
    # The h1, then the answer's "Sources" as an h2 (it was an h3 under the h1).
    assert a["headings"] == ["H1 Assistant", "H2 Sources"], a["headings"]
    # The question shown and the box to ask in have distinct names.
    assert a["namedQuestion"] == 1 and a["asked"] == 1

    assert r["feedback"]["status"] == 201
    # Pressed by keyboard, the rating and correction buttons keep the focus
    # (disabled while sending, they dropped it to the page's top).
    assert r["feedback"]["focusAfterRating"] == "BUTTON Bad answer", r["feedback"]
    assert r["feedback"]["focusAfterCorrection"] == "BUTTON Send correction", r["feedback"]
    refused = r["feedback"]["refused"]
    # Worded under the box, never the summary "invalid value for: correction".
    assert refused["text"] == "must not contain NUL characters", refused
    assert refused["formError"] == 0
    assert r["feedback"]["body"] == {
        "rating": "down",
        "correction": "Count only production incidents, newest first.",
    }
    assert r["afterReload"] == {"question": QUESTION, "citations": len(a["citations"])}
    assert r["fromMenu"] == 1

    # The sources' numbers: "10." to "12." sat left of the card's text column
    # (the browser's outside markers). Now every number ends, and every text
    # starts, at one x, the numbers inside the column.
    for mode, layout in r["sources"].items():
        _numbers_in_their_column(mode, layout, at_least=10)  # the demo answer cites 12 rows
    for page in ("Search", "Assistant"):
        assert r["seen"][f"{page} light"] != r["seen"][f"{page} dark"]
    assert len(r["screenshots"]) == 4
    assert all(Path(p).stat().st_size > 5_000 for p in r["screenshots"])


def test_the_questions_a_no_answer_reply_suggests_are_a_list(stack: Stack, tenant: Tenant) -> None:
    # Local mode's reply lists what it can answer as "- " lines: they were
    # shown as plain text lines, the dashes in the text column.
    r = run_browser(
        "noAnswerList",
        stack,
        tenant=tenant.slug,
        email=tenant.admin_email,
        password=tenant.password,
        question="What is the airspeed velocity of an unladen swallow?",
    )
    assert r["consoleErrors"] == []
    shown = r["shownText"]
    assert shown.startswith("I found nothing relevant to “What is the airspeed"), shown
    assert "\n- " not in shown, shown
    for width, layout in r["layouts"].items():
        [suggested] = layout["lists"]
        items = suggested["items"]
        assert "How often do we deploy?" in [i["text"] for i in items], (width, items)
        assert "Which incidents are still open?" in [i["text"] for i in items], (width, items)
        assert all(i["marker"] == "disc" for i in items), (width, items)
        # Indented from the text column, the bullets drawn in the indent.
        assert all(i["left"] > layout["textLeft"] + 8 for i in items), (width, layout)
    assert all(Path(p).stat().st_size > 5_000 for p in r["screenshots"])


def _numbers_in_their_column(label: str, layout: dict[str, Any], at_least: int) -> None:
    """At least `at_least` items; every item's text starts, and every number
    ends, at one x; no number starts left of the column (the list's box, or
    the sources' heading)."""
    items = layout["items"]
    assert len(items) >= at_least, (label, layout)
    assert None not in [v for i in items for v in i.values()], (label, items)
    texts = [i["textLeft"] for i in items]
    rights = [i["numberRight"] for i in items]
    assert max(texts) - min(texts) <= 0.5, (label, items)
    assert max(rights) - min(rights) <= 0.5, (label, items)
    assert min(i["numberLeft"] for i in items) >= layout["column"] - 0.5, (label, layout)


def test_long_answer_numbers_its_tools_and_sources_in_a_column(
    stack: Stack, tenant: Tenant
) -> None:
    # "10." to "12." of the tools used sat left of the list's box (the
    # browser's outside markers), nearly on the card's border.
    r = run_browser(
        "longAnswer", stack, tenant=tenant.slug, email=tenant.admin_email, password=tenant.password
    )
    assert r["consoleErrors"] == []
    for width, lists in r["layouts"].items():
        for name, layout in lists.items():
            _numbers_in_their_column(f"{width} {name}", layout, at_least=12)
    assert all(Path(p).stat().st_size > 5_000 for p in r["screenshots"])


# What a Jira issue's text could carry into an answer (a model repeats it):
# only the app's own dashboard path in it may become a link.
INJECTED = (
    "PAY-12 says: see https://evil.example/dora/lead-time, //evil.example/x or "
    '<a href="https://evil.example">/dora</a>; reset your password at '
    "/set-password?token=abc; the Lead time dashboard has it (/dora/lead-time?days=30)."
)


def test_an_answers_dashboard_path_is_a_link_in_the_app(stack: Stack, demo_tenant: Tenant) -> None:
    # "…the Deployment frequency dashboard lists them all (/dora/…)" was
    # shown as text: nothing to click.
    r = run_browser(
        "answerLinks",
        stack,
        tenant=demo_tenant.slug,
        email=demo_tenant.admin_email,
        password=demo_tenant.password,
        question="what did we ship over the last 90 days?",
        injected=INJECTED,
    )
    assert r["consoleErrors"] == []
    shown = r["shown"]
    path = "/dora/deployment-frequency?days=90"
    assert f"dashboard lists them all ({path})." in shown["text"], shown
    # The text as streamed, the path a link in the same tab.
    assert shown["links"] == [{"text": path, "href": path, "target": None}], shown
    assert r["followed"] == {
        "path": "/dora/deployment-frequency",
        "search": "?days=90",
        "period": "Last 90 days",
        "sameDocument": True,
        "pages": 1,
    }, r["followed"]
    injected = r["injected"]
    assert injected["text"] == INJECTED, injected
    # The markup shown as text; no other origin, no other page.
    assert injected["links"] == [
        {"text": "/dora/lead-time?days=30", "href": "/dora/lead-time?days=30", "target": None}
    ], injected
    assert all(Path(p).stat().st_size > 5_000 for p in r["screenshots"])
