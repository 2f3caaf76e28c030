""" "Test connection": one small authenticated request to the provider with
the configured timeouts. An AI provider is asked for ``/models``; an
embedding provider embeds one word (which also proves the dimension).

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

from pulse_backend.providers.models import (
    ConnectionTest,
    ProviderKind,
    ProviderOut,
    ProviderType,
)

_MAX_MODELS = 50


def _request(
    provider: ProviderOut, api_key: str | None
) -> tuple[str, str, dict[str, str], dict[str, Any] | None]:
    config = provider.config
    base = str(config.base_url).rstrip("/")
    headers: dict[str, str] = {"Accept": "application/json"}
    params = ""
    if config.kind is ProviderKind.azure_openai:
        base = f"{base}/openai/deployments/{config.deployment}"
        params = f"?api-version={config.api_version}"
        if api_key:
            headers["api-key"] = api_key
    elif api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    if provider.type is ProviderType.embedding:
        body = {"model": config.model, "input": "ping"}
        return "POST", f"{base}/embeddings{params}", headers, body
    if config.kind is ProviderKind.azure_openai:
        # Azure lists models at the resource, not the deployment.
        base = str(config.base_url).rstrip("/") + "/openai"
    return "GET", f"{base}/models{params}", headers, None


def _summary(provider: ProviderOut, payload: Any) -> tuple[list[str], int | None, str]:
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, list):
        return [], None, "unexpected response shape (no data list)"
    if provider.type is ProviderType.embedding:
        first = data[0] if data and isinstance(data[0], dict) else {}
        vector = first.get("embedding")
        if not isinstance(vector, list):
            return [], None, "unexpected response shape (no embedding)"
        dims = len(vector)
        expected = provider.config.dimensions
        if expected is not None and dims != expected:
            return [], dims, f"embedding has {dims} dimensions, config says {expected}"
        return [], dims, "ok"
    ids = [str(m.get("id")) for m in data if isinstance(m, dict) and m.get("id")][:_MAX_MODELS]
    if provider.config.model not in ids and provider.config.kind is not ProviderKind.azure_openai:
        return ids, None, f"model {provider.config.model!r} is not offered by the provider"
    return ids, None, "ok"


def check_connection(provider: ProviderOut, api_key: str | None) -> ConnectionTest:
    method, url, headers, body = _request(provider, api_key)
    t = provider.config.timeouts
    timeout = httpx.Timeout(t.read_seconds, connect=t.connect_seconds)
    start = time.perf_counter()
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            response = client.request(method, url, headers=headers, json=body)
    except httpx.TimeoutException:
        return _result(False, None, start, "timed out")
    except httpx.HTTPError as exc:
        # The class name only: exception text may carry the URL or headers.
        return _result(False, None, start, f"cannot connect ({type(exc).__name__})")
    if response.status_code in (401, 403):
        return _result(False, response.status_code, start, "the provider refused the credentials")
    if response.status_code >= 400:
        return _result(
            False, response.status_code, start, f"the provider answered {response.status_code}"
        )
    try:
        payload = response.json()
    except ValueError:
        return _result(False, response.status_code, start, "the provider did not answer JSON")
    models, dims, detail = _summary(provider, payload)
    return _result(detail == "ok", response.status_code, start, detail, models, dims)


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
