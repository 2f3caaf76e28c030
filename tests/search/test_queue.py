"""The embedding queue: triggers queue what changed, the consumer embeds
changed text only, removes deleted rows' vectors, sets ``embedding_id``,
and can be stopped after any batch and resumed."""

from __future__ import annotations

import pytest
from qdrant_client import QdrantClient

from pulse_common.search.documents import point_id
from tests.search.conftest import SearchTenant, SearchTenantFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _vector(client: QdrantClient, t: SearchTenant, kind: str, row_id: int) -> list[float] | None:
    found = client.retrieve(t.names.collection, [point_id(kind, row_id)], with_vectors=True)
    if not found:
        return None
    vector = found[0].vector
    assert isinstance(vector, list)
    return [float(x) for x in vector]


def _queued(t: SearchTenant) -> list[tuple[str, int]]:
    return [(k, r) for k, r in t.sql("SELECT kind, row_id FROM embedding_queue ORDER BY id")]


def test_changed_text_is_embedded_again_unchanged_skipped_deleted_removed(
    make_search_tenant: SearchTenantFactory,
) -> None:
    t = make_search_tenant()
    pid = t.project("PAY")
    keep = t.work_item(pid, "PAY-1", "Refund button does nothing")
    edit = t.work_item(pid, "PAY-2", "Invoice totals are rounded wrongly")
    gone = t.work_item(pid, "PAY-3", "Remove the legacy coupon service")
    pr = t.pull_request(t.repository("acme/pay"), 1, "Fix rounding of invoice totals")
    assert set(_queued(t)) == {
        ("work_item", keep),
        ("work_item", edit),
        ("work_item", gone),
        ("pull_request", pr),
    }
    first = t.drain()
    assert (first.embedded, first.unchanged, first.removed) == (4, 0, 0)
    assert _queued(t) == []
    client = t.etl_client()
    before = {r: _vector(client, t, "work_item", r) for r in (keep, edit, gone)}
    assert all(v is not None and len(v) == 384 for v in before.values())
    ids = dict(t.sql("SELECT id, embedding_id FROM work_items"))
    assert ids == {r: point_id("work_item", r) for r in (keep, edit, gone)}

    # A column outside the searchable text queues nothing.
    t.sql("UPDATE work_items SET priority = 'High' WHERE id = :i", {"i": keep})
    assert _queued(t) == []
    # Text changed, a row deleted, and one re-queued with the same text.
    t.sql(
        "UPDATE work_items SET summary = 'Dark mode for the mobile app' WHERE id = :i",
        {"i": edit},
    )
    t.sql("DELETE FROM work_items WHERE id = :i", {"i": gone})
    t.sql(
        "INSERT INTO embedding_queue (tenant_id, kind, row_id) VALUES (:t, 'work_item', :i)",
        {"t": t.info.tenant_id, "i": keep},
    )
    second = t.drain()
    assert (second.embedded, second.unchanged, second.removed) == (1, 1, 1)
    assert _vector(client, t, "work_item", keep) == before[keep]
    changed = _vector(client, t, "work_item", edit)
    assert changed is not None and changed != before[edit]
    [expected] = t.embedder.embed(["PAY-2 Dark mode for the mobile app"])
    assert max(abs(a - b) for a, b in zip(changed, expected, strict=True)) < 1e-5
    assert _vector(client, t, "work_item", gone) is None
    assert (
        t.sql(
            "SELECT row_id FROM embedding_state WHERE row_id = :i AND kind = 'work_item'",
            {"i": gone},
        )
        == []
    )
    # A deactivated item loses its vector and its embedding_id.
    t.sql("UPDATE work_items SET active = false WHERE id = :i", {"i": keep})
    assert t.drain().removed == 1
    assert _vector(client, t, "work_item", keep) is None
    assert t.sql("SELECT embedding_id FROM work_items WHERE id = :i", {"i": keep}) == [(None,)]
    client.close()


def test_stopped_drain_resumes_where_it_stopped(make_search_tenant: SearchTenantFactory) -> None:
    t = make_search_tenant()
    pid = t.project("OPS")
    rows = [
        t.work_item(pid, f"OPS-{i}", f"Runbook step {i} for the failover drill") for i in range(7)
    ]
    part = t.drain(batch=3, max_batches=1)
    assert (part.embedded, part.batches) == (3, 1)
    assert len(_queued(t)) == 4
    rest = t.drain(batch=3)
    assert (rest.embedded, rest.unchanged) == (4, 0)
    client = t.etl_client()
    assert client.count(t.names.collection).count == len(rows)
    client.close()
    # Draining again finds nothing to do.
    again = t.drain()
    assert (again.embedded, again.batches) == (0, 0)


def test_a_second_consumer_waits_its_turn(make_search_tenant: SearchTenantFactory) -> None:
    import psycopg

    t = make_search_tenant()
    other = make_search_tenant()
    t.work_item(t.project("OPS"), "OPS-1", "Rotate certificates")
    other.work_item(other.project("OPS"), "OPS-1", "Rotate certificates")
    with psycopg.connect(t.login_dsn, autocommit=True) as holder:
        # The lock is the tenant's (its schema's), as the ETL and the backend take it.
        holder.execute(
            "SELECT pg_advisory_lock(hashtext('pulse-embed'), hashtext(current_schema()))"
        )
        blocked = t.drain()
        assert blocked.skipped_locked and blocked.embedded == 0
        # Another tenant's drain does not wait for this one.
        assert other.drain().embedded == 1
    assert t.drain().embedded == 1
