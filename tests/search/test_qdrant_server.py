"""The local Qdrant server enforces Qdrant's API key and JWT RBAC as the
real server documents it (table of access, ``exp`` with a 30 s leeway,
``value_exists``), through the real ``qdrant_client`` over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import UnexpectedResponse

from pulse_fakes.qdrant import QdrantServer, serve_qdrant

KEY = "platform-key-for-the-local-qdrant-0123456789"


@pytest.fixture
def server() -> Iterator[QdrantServer]:
    s = serve_qdrant(KEY)
    admin = QdrantClient(url=s.url, api_key=KEY)
    for name in ("alpha", "beta", "grants"):
        admin.create_collection(
            name, vectors_config=models.VectorParams(size=3, distance=models.Distance.COSINE)
        )
    admin.upsert("alpha", [models.PointStruct(id=1, vector=[1, 0, 0], payload={"kind": "a"})])
    admin.upsert("grants", [models.PointStruct(id=1, vector=[0, 0, 1], payload={"who": "alpha"})])
    admin.close()
    yield s
    s.stop()


def _token(**claims: Any) -> str:
    return jwt.encode({"exp": int(time.time()) + 600, **claims}, KEY, algorithm="HS256")


def _client(server: QdrantServer, key: str | None) -> QdrantClient:
    return QdrantClient(url=server.url, api_key=key, check_compatibility=False)


def _status(fn: Any) -> int:
    try:
        fn()
    except UnexpectedResponse as exc:
        return int(exc.status_code or 0)
    return 200


def test_credentials_are_required_and_checked(server: QdrantServer) -> None:
    r = httpx.get(f"{server.url}/collections/alpha")
    assert r.status_code == 401 and "api key" in r.json()["status"]["error"].lower()
    assert (
        httpx.get(f"{server.url}/collections/alpha", headers={"api-key": "wrong"}).status_code
        == 401
    )
    bearer = {"Authorization": f"Bearer {KEY}"}
    assert httpx.get(f"{server.url}/collections/alpha", headers=bearer).status_code == 200
    forged = jwt.encode({"access": "m"}, "another-key-of-sufficient-length-0123", algorithm="HS256")
    assert _status(lambda: _client(server, forged).get_collections()) == 401
    no_access_claim = _token()  # Qdrant: no ``access`` claim means manage
    assert _status(lambda: _client(server, no_access_claim).delete_collection("beta")) == 200


def test_expiry_has_qdrant_leeway(server: QdrantServer) -> None:
    now = int(time.time())
    within = jwt.encode({"exp": now - 10, "access": "r"}, KEY, algorithm="HS256")
    beyond = jwt.encode({"exp": now - 120, "access": "r"}, KEY, algorithm="HS256")
    assert _client(server, within).count("alpha").count == 1
    assert _status(lambda: _client(server, beyond).count("alpha")) == 401


def test_table_of_access(server: QdrantServer) -> None:
    point = [models.PointStruct(id=2, vector=[0, 1, 0], payload={})]
    read_only = _client(server, _token(access="r"))
    assert read_only.count("beta").count == 0
    assert _status(lambda: read_only.upsert("alpha", point)) == 403
    assert _status(lambda: read_only.create_collection("x", vectors_config={})) == 403

    rw = _client(server, _token(access=[{"collection": "alpha", "access": "rw"}]))
    assert _status(lambda: rw.upsert("alpha", point)) == 200
    assert _status(lambda: rw.create_payload_index("alpha", "kind", "keyword")) == 200
    assert _status(lambda: rw.update_collection("alpha", metadata={"x": 1})) == 403
    assert _status(lambda: rw.delete_collection("alpha")) == 403
    assert _status(lambda: rw.count("beta")) == 403
    assert _status(lambda: rw.upsert("beta", point)) == 403
    assert [c.name for c in rw.get_collections().collections] == ["alpha"]

    r = _client(server, _token(access=[{"collection": "alpha", "access": "r"}]))
    assert r.query_points("alpha", query=[1, 0, 0], limit=1).points[0].id == 1
    assert _status(lambda: r.delete("alpha", models.PointIdsList(points=[1]))) == 403


def test_value_exists_revokes_tokens(server: QdrantServer) -> None:
    claim = {"collection": "grants", "matches": [{"key": "who", "value": "alpha"}]}
    token = _token(access=[{"collection": "alpha", "access": "r"}], value_exists=claim)
    client = _client(server, token)
    assert client.count("alpha").count == 1
    other = {"collection": "grants", "matches": [{"key": "who", "value": "beta"}]}
    assert _status(lambda: _client(server, _token(value_exists=other)).count("alpha")) == 401
    admin = _client(server, KEY)
    admin.delete("grants", models.PointIdsList(points=[1]))
    assert _status(lambda: client.count("alpha")) == 401


def test_errors_have_qdrant_shape(server: QdrantServer) -> None:
    admin = _client(server, KEY)
    assert _status(lambda: admin.get_collection("missing")) == 404
    assert _status(lambda: admin.create_collection("alpha", vectors_config={})) == 400
    r = httpx.post(
        f"{server.url}/collections/alpha/points/query",
        headers={"api-key": KEY},
        json={"limit": "many"},
    )
    assert r.status_code == 422 and "error" in r.json()["status"]
    body = httpx.get(f"{server.url}/collections/alpha", headers={"api-key": KEY}).json()
    assert body["status"] == "ok" and body["result"]["points_count"] == 1
