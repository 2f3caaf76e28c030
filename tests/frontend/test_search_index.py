"""The search index status page in chromium against the real backend, for a
demo-seeded tenant of the frontend stack (its vector store does not answer:
the page says so in plain words and shows the documents waiting), and the
re-index button queueing every document again."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from pulse_common.tenancy import TenantNames, quote_ident
from tests.frontend.conftest import Stack, Tenant, run_browser


def _documents(stack: Stack, slug: str) -> int:
    schema = quote_ident(TenantNames(slug).schema)
    sql = " + ".join(
        f"(SELECT count(*) FROM {schema}.{t})" for t in ("work_items", "prs", "incidents")
    )
    with stack.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT {sql}")).scalar_one())


def test_search_index_page_and_reindex(stack: Stack, demo_tenant: Tenant) -> None:
    documents = _documents(stack, demo_tenant.slug)
    assert documents > 0
    r = run_browser(
        "searchIndex",
        stack,
        tenant=demo_tenant.slug,
        email=demo_tenant.admin_email,
        password=demo_tenant.password,
    )
    assert r["consoleErrors"] == []
    assert r["violations"] == [], r["violations"]

    before = r["before"]
    # This stack's vector store does not answer: said in plain words.
    assert (before["state"], before["label"]) == ("unavailable", "Unavailable")
    assert before["wayOut"] and "cannot be reached" in before["wayOut"]
    assert "falls back to exact words" in before["wayOut"]
    # The demo seed queued every document; nothing could embed them here.
    assert before["queued"] == str(documents)

    reindex = r["reindex"]
    assert reindex["status"] == 202
    assert reindex["body"] == {"queued": documents}
    assert reindex["shown"] == f"{documents} documents queued for embedding."
    assert reindex["queued"] == str(documents)

    assert r["seen"]["/admin/search-index light"] != r["seen"]["/admin/search-index dark"]
    assert len(r["screenshots"]) == 2
    assert all(Path(p).stat().st_size > 5_000 for p in r["screenshots"])
