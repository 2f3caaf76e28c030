""" "Test connection": one small authenticated request to the provider with
the configured timeouts, through the same client code the router uses
(``pulse_common.ai.http``), so that a passing test means the router can
reach it. An AI provider is asked for ``/models``; an embedding provider
embeds one word (which also proves the dimension); a ``local`` embedding
provider without a base URL runs the in-process model.

The API key goes in a header and nothing of the request or the provider's
answer is echoed back except status, model ids and the dimension, so that
the key cannot come back through an error message. Note: the base URL is
the tenant admin's choice (a ``local`` provider is by definition on the
cluster network); the NetworkPolicy, not this code, bounds where it can go.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from pulse_backend.providers.models import ConnectionTest, ProviderKind, ProviderOut, ProviderType
from pulse_common.ai.collection import unfit_reason
from pulse_common.ai.embeddings import local_embedder, parse_embeddings
from pulse_common.ai.errors import (
    AiConfigurationError,
    ProviderError,
    ProviderMalformed,
    ProviderTimeout,
)
from pulse_common.ai.http import ProviderEndpoint, post_json

_MAX_MODELS = 50


def _detail(exc: ProviderError) -> str:
    # Fixed phrases, not the exception text: nothing of the provider's
    # answer is echoed to the browser.
    if isinstance(exc, ProviderTimeout):
        return "timed out"
    if exc.status_code in (401, 403):
        return "the provider refused the credentials"
    if exc.status_code is not None:
        return f"the provider answered {exc.status_code}"
    if isinstance(exc, ProviderMalformed):
        return "the provider did not answer JSON"
    # The class name only: transport errors' text may carry the URL.
    return f"cannot connect ({type(exc.__cause__ or exc).__name__})"


def _models(provider: ProviderOut, payload: dict[str, Any]) -> tuple[list[str], str]:
    data = payload.get("data")
    if not isinstance(data, list):
        return [], "unexpected response shape (no data list)"
    ids = [str(m.get("id")) for m in data if isinstance(m, dict) and m.get("id")][:_MAX_MODELS]
    if provider.config.model not in ids and provider.config.kind is not ProviderKind.azure_openai:
        return ids, f"model {provider.config.model!r} is not offered by the provider"
    return ids, "ok"


def _dimensions(provider: ProviderOut, payload: dict[str, Any]) -> tuple[int | None, str]:
    try:
        size = len(payload["data"][0]["embedding"])
        [vector] = parse_embeddings(provider.name, payload, 1, size)
    except (ProviderMalformed, TypeError, KeyError, IndexError):
        return None, "unexpected response shape (no embedding)"
    expected = provider.config.dimensions
    if expected is not None and len(vector) != expected:
        return len(vector), f"embedding has {len(vector)} dimensions, config says {expected}"
    return len(vector), "ok"


def check_connection(
    provider: ProviderOut, api_key: str | None, collection_size: int | None = None
) -> ConnectionTest:
    """``collection_size``: the tenant's vector collection's, when known. An
    embedding provider that answers but cannot serve it fails the test with
    both sizes named: search would otherwise pass it over in silence."""
    result = _connect(provider, api_key)
    if provider.type is not ProviderType.embedding or collection_size is None or not result.ok:
        return result
    if result.dimensions is not None and result.dimensions != collection_size:
        detail: str | None = (
            f"its embeddings have {result.dimensions} dimensions but this tenant's vector "
            f"collection expects {collection_size}: search and indexing do not use it"
        )
    else:
        detail = unfit_reason(provider.config, collection_size)
    return result if detail is None else result.model_copy(update={"ok": False, "detail": detail})


def _connect(provider: ProviderOut, api_key: str | None) -> ConnectionTest:
    config = provider.config
    start = time.perf_counter()
    if config.kind is ProviderKind.local and config.base_url is None:
        return _local(provider, start)
    try:
        endpoint = ProviderEndpoint.build(provider.name, config, api_key)
        with httpx.Client(
            timeout=endpoint.timeout, follow_redirects=False, trust_env=False
        ) as client:
            if provider.type is ProviderType.embedding:
                body = {"model": config.model, "input": "ping"}
                payload = post_json(client, endpoint, "embeddings", body)
            else:
                payload = post_json(client, endpoint, "models", None)
    except ProviderError as exc:
        return _result(False, exc.status_code, start, _detail(exc))
    if provider.type is ProviderType.embedding:
        dims, detail = _dimensions(provider, payload)
        return _result(detail == "ok", 200, start, detail, dims=dims)
    models, detail = _models(provider, payload)
    return _result(detail == "ok", 200, start, detail, models)


def _local(provider: ProviderOut, start: float) -> ConnectionTest:
    if provider.type is not ProviderType.embedding:
        return _result(False, None, start, "a local chat provider needs the base URL of its server")
    try:
        model = local_embedder()
        [vector] = model.embed(["ping"])
    except AiConfigurationError as exc:
        return _result(False, None, start, str(exc))
    expected = provider.config.dimensions
    if expected is not None and len(vector) != expected:
        detail = f"embedding has {len(vector)} dimensions, config says {expected}"
        return _result(False, None, start, detail, dims=len(vector))
    return _result(True, None, start, "ok", [model.name], len(vector))


def _result(
    ok: bool,
    status: int | None,
    start: float,
    detail: str,
    models: list[str] | None = None,
    dims: int | None = None,
) -> ConnectionTest:
    return ConnectionTest(
        ok=ok,
        status_code=status,
        latency_ms=round((time.perf_counter() - start) * 1000, 1),
        detail=detail,
        models=models or [],
        dimensions=dims,
    )
