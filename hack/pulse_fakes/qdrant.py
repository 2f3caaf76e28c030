"""A local Qdrant HTTP server: the REST subset the platform uses, with the
maths done by ``qdrant_client``'s local mode and Qdrant's API-key/JWT RBAC
enforced in front of it (see ``qdrant_auth``). Local mode alone checks no
credentials, so this is what lets tests prove that a tenant's token cannot
reach another tenant's collection.

Answers have Qdrant's envelope: ``{"result": ..., "status": "ok", "time": s}``
and, on errors, ``{"status": {"error": "..."}, "time": s}``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from importlib.metadata import version
from typing import Any

from pydantic import BaseModel, ValidationError
from qdrant_client import QdrantClient
from qdrant_client.http import models
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pulse_fakes.qdrant_auth import AuthError, Grant, Need, credential, verify
from pulse_fakes.server import start_uvicorn

Handler = Callable[[Request, str], Any]


class QdrantApp:
    def __init__(self, api_key: str, location: str = ":memory:") -> None:
        self.api_key = api_key
        self.local = QdrantClient(location=location)
        self.requests = 0  # lets tests see that calls really went over HTTP
        # Called with each request's method and path before it is answered,
        # while the client waits (tests look at what the client holds then).
        self.on_request: Callable[[str, str], None] | None = None

    def close(self) -> None:
        self.local.close()

    def _value_exists(self, collection: str, matches: list[tuple[str, Any]]) -> bool:
        if not matches or not self.local.collection_exists(collection):
            return False
        must: list[models.Condition] = [
            models.FieldCondition(key=k, match=models.MatchValue(value=v)) for k, v in matches
        ]
        return self.local.count(collection, count_filter=models.Filter(must=must)).count > 0

    def grant(self, request: Request) -> Grant:
        return verify(
            credential({k.lower(): v for k, v in request.headers.items()}),
            self.api_key,
            self._value_exists,
        )

    def build(self) -> Starlette:
        def endpoint(
            need: Need | None, fn: Callable[[Request, str, Any], Any]
        ) -> Callable[[Request], Awaitable[Response]]:
            async def run(request: Request) -> Response:
                started = time.perf_counter()
                self.requests += 1
                if self.on_request is not None:
                    await asyncio.to_thread(self.on_request, request.method, request.url.path)
                name = request.path_params.get("name")
                try:
                    grant = self.grant(request)
                    if need is not None:
                        grant.check(need, name)
                    body = await request.json() if await request.body() else {}
                    result = fn(request, name or "", (grant, body))
                except AuthError as exc:
                    return _error(exc.status, exc.message, started)
                except ValidationError as exc:
                    return _error(
                        422, f"Format error in JSON body: {exc.errors()[0]['msg']}", started
                    )
                except NotFound as exc:
                    return _error(404, str(exc), started)
                except (ValueError, KeyError, TypeError) as exc:
                    return _error(400, f"Bad request: {exc}", started)
                if isinstance(result, JSONResponse):
                    return result
                if isinstance(result, BaseModel):
                    result = result.model_dump(mode="json", exclude_unset=False)
                return JSONResponse(
                    {"result": result, "status": "ok", "time": time.perf_counter() - started}
                )

            return run

        routes = [
            Route("/", endpoint(None, self._root), methods=["GET"]),
            Route("/collections", endpoint(None, self._list), methods=["GET"]),
            Route("/collections/{name}", endpoint(Need.read, self._info), methods=["GET"]),
            Route("/collections/{name}", endpoint(Need.manage, self._create), methods=["PUT"]),
            Route("/collections/{name}", endpoint(Need.manage, self._update), methods=["PATCH"]),
            Route("/collections/{name}", endpoint(Need.manage, self._drop), methods=["DELETE"]),
            Route("/collections/{name}/exists", endpoint(Need.read, self._exists), methods=["GET"]),
            Route("/collections/{name}/index", endpoint(Need.write, self._index), methods=["PUT"]),
            Route(
                "/collections/{name}/index/{field}",
                endpoint(Need.write, self._unindex),
                methods=["DELETE"],
            ),
            Route(
                "/collections/{name}/points", endpoint(Need.write, self._upsert), methods=["PUT"]
            ),
            Route(
                "/collections/{name}/points", endpoint(Need.read, self._retrieve), methods=["POST"]
            ),
            Route(
                "/collections/{name}/points/delete",
                endpoint(Need.write, self._delete),
                methods=["POST"],
            ),
            Route(
                "/collections/{name}/points/query",
                endpoint(Need.read, self._query),
                methods=["POST"],
            ),
            Route(
                "/collections/{name}/points/scroll",
                endpoint(Need.read, self._scroll),
                methods=["POST"],
            ),
            Route(
                "/collections/{name}/points/count",
                endpoint(Need.read, self._count),
                methods=["POST"],
            ),
        ]
        return Starlette(routes=routes)

    # -- collections ---------------------------------------------------------

    def _root(self, request: Request, name: str, ctx: Any) -> Any:
        # Unlike the API's answers, the version is not wrapped in ``result``.
        return JSONResponse(
            {"title": "qdrant - vector search engine", "version": version("qdrant-client")}
        )

    def _list(self, request: Request, name: str, ctx: Any) -> Any:
        grant: Grant = ctx[0]
        # Qdrant filters the list down to what a collection-scoped token may see.
        names = [c.name for c in self.local.get_collections().collections if grant.can_see(c.name)]
        return {"collections": [{"name": n} for n in names]}

    def _need(self, name: str) -> None:
        if not self.local.collection_exists(name):
            raise NotFound(f"Not found: Collection `{name}` doesn't exist!")

    def _info(self, request: Request, name: str, ctx: Any) -> Any:
        self._need(name)
        return self.local.get_collection(name)

    def _exists(self, request: Request, name: str, ctx: Any) -> Any:
        return {"exists": self.local.collection_exists(name)}

    def _create(self, request: Request, name: str, ctx: Any) -> Any:
        spec = models.CreateCollection.model_validate(ctx[1])
        if self.local.collection_exists(name):
            raise ValueError(f"Wrong input: Collection `{name}` already exists!")
        return self.local.create_collection(
            name,
            vectors_config=spec.vectors,
            sparse_vectors_config=spec.sparse_vectors,
            metadata=spec.metadata,
        )

    def _update(self, request: Request, name: str, ctx: Any) -> Any:
        spec = models.UpdateCollection.model_validate(ctx[1])
        self._need(name)
        return self.local.update_collection(name, metadata=spec.metadata)

    def _drop(self, request: Request, name: str, ctx: Any) -> Any:
        return self.local.delete_collection(name)

    def _index(self, request: Request, name: str, ctx: Any) -> Any:
        spec = models.CreateFieldIndex.model_validate(ctx[1])
        self._need(name)
        return self.local.create_payload_index(name, spec.field_name, spec.field_schema)

    def _unindex(self, request: Request, name: str, ctx: Any) -> Any:
        self._need(name)
        return self.local.delete_payload_index(name, request.path_params["field"])

    # -- points --------------------------------------------------------------

    def _upsert(self, request: Request, name: str, ctx: Any) -> Any:
        self._need(name)
        body = ctx[1]
        if "batch" in body:
            batch = models.PointsBatch.model_validate(body).batch
            return self.local.upsert(name, batch)
        return self.local.upsert(name, models.PointsList.model_validate(body).points)

    def _delete(self, request: Request, name: str, ctx: Any) -> Any:
        self._need(name)
        body = ctx[1]
        selector: models.PointIdsList | models.FilterSelector
        if "points" in body:
            selector = models.PointIdsList.model_validate(body)
        else:
            selector = models.FilterSelector.model_validate(body)
        return self.local.delete(name, selector)

    def _retrieve(self, request: Request, name: str, ctx: Any) -> Any:
        self._need(name)
        req = models.PointRequest.model_validate(ctx[1])
        records = self.local.retrieve(
            name,
            req.ids,
            with_payload=True if req.with_payload is None else req.with_payload,
            with_vectors=bool(req.with_vector),
        )
        return [r.model_dump(mode="json") for r in records]

    def _query(self, request: Request, name: str, ctx: Any) -> Any:
        self._need(name)
        req = models.QueryRequest.model_validate(ctx[1])
        return self.local.query_points(
            name,
            query=req.query,
            using=req.using,
            query_filter=req.filter,
            search_params=req.params,
            limit=req.limit or 10,
            offset=req.offset,
            with_payload=True if req.with_payload is None else req.with_payload,
            with_vectors=bool(req.with_vector),
            score_threshold=req.score_threshold,
        )

    def _scroll(self, request: Request, name: str, ctx: Any) -> Any:
        self._need(name)
        req = models.ScrollRequest.model_validate(ctx[1])
        records, next_offset = self.local.scroll(
            name,
            scroll_filter=req.filter,
            limit=req.limit or 10,
            offset=req.offset,
            with_payload=True if req.with_payload is None else req.with_payload,
            with_vectors=bool(req.with_vector),
        )
        return {
            "points": [r.model_dump(mode="json") for r in records],
            "next_page_offset": next_offset,
        }

    def _count(self, request: Request, name: str, ctx: Any) -> Any:
        self._need(name)
        req = models.CountRequest.model_validate(ctx[1])
        return self.local.count(name, count_filter=req.filter, exact=req.exact is not False)


class NotFound(Exception):
    pass


def _error(status: int, message: str, started: float) -> JSONResponse:
    return JSONResponse(
        {"status": {"error": message}, "time": time.perf_counter() - started}, status_code=status
    )


class QdrantServer:
    """A running local Qdrant (``serve_qdrant``); ``stop`` ends it, after
    which clients see a refused connection as with a Qdrant that is down."""

    def __init__(self, app: QdrantApp, port: int = 0) -> None:
        self.app = app
        self._server, self._thread, self.port = start_uvicorn(app.build(), port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.app.close()

    def __enter__(self) -> QdrantServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_qdrant(api_key: str, *, port: int = 0, location: str = ":memory:") -> QdrantServer:
    return QdrantServer(QdrantApp(api_key, location), port)
