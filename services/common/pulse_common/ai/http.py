"""HTTP to OpenAI-compatible and Azure OpenAI endpoints: where to send a
request, which headers, and how each failure is classified (the router
falls back on the retryable ones). The API key goes only into a header;
no message built here contains it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from pulse_common.ai.config import ProviderConfig, ProviderKind
from pulse_common.ai.errors import (
    ProviderError,
    ProviderMalformed,
    ProviderRateLimited,
    ProviderRejected,
    ProviderTimeout,
)


@dataclass(frozen=True)
class ProviderEndpoint:
    provider: str  # the integration's name
    kind: ProviderKind
    base: str
    timeout: httpx.Timeout
    headers: dict[str, str] = field(repr=False)
    params: dict[str, str]
    deployment: str | None

    @classmethod
    def build(cls, name: str, config: ProviderConfig, api_key: str | None) -> ProviderEndpoint:
        if config.base_url is None:
            raise ProviderRejected(name, "has no base_url")
        base = str(config.base_url).rstrip("/")
        headers = {"Accept": "application/json"}
        params: dict[str, str] = {}
        if config.kind is ProviderKind.azure_openai:
            if not base.endswith("/openai"):
                base += "/openai"
            params["api-version"] = config.api_version or ""
            if api_key:
                headers["api-key"] = api_key
        elif api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        t = config.timeouts
        return cls(
            provider=name,
            kind=config.kind,
            base=base,
            timeout=httpx.Timeout(t.read_seconds, connect=t.connect_seconds),
            headers=headers,
            params=params,
            deployment=config.deployment,
        )

    def url(self, operation: str) -> str:
        """``operation``: ``chat/completions``, ``embeddings`` or ``models``."""
        if self.kind is ProviderKind.azure_openai and operation != "models":
            return f"{self.base}/deployments/{self.deployment}/{operation}"
        return f"{self.base}/{operation}"


def classify(provider: str, response: httpx.Response) -> None:
    """Raise the error class a non-2xx answer means."""
    status = response.status_code
    if status < 400:
        return
    if status == 429:
        raise ProviderRateLimited(provider, _retry_after(response))
    if status >= 500:
        raise ProviderError(provider, f"server error {status}", status_code=status)
    raise ProviderRejected(provider, f"{status} {_api_message(response)}", status_code=status)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["retry-after"])
    except (KeyError, ValueError):
        return None


def _api_message(response: httpx.Response) -> str:
    # OpenAI's error body is {"error": {"message", "type", "code"}}; keep the
    # message short, it ends up in API answers and logs.
    try:
        message = str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        message = response.reason_phrase
    return message[:200]


def decode(provider: str, response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProviderMalformed(provider, "answer is not JSON") from exc
    if not isinstance(body, dict):
        raise ProviderMalformed(provider, "answer is not a JSON object")
    return body


def transport_error(provider: str, exc: httpx.HTTPError) -> ProviderError:
    if isinstance(exc, httpx.TimeoutException):
        return ProviderTimeout(provider, f"timed out ({type(exc).__name__})")
    return ProviderError(provider, f"unreachable ({type(exc).__name__})")


def post_json(
    client: httpx.Client, endpoint: ProviderEndpoint, operation: str, body: dict[str, Any]
) -> dict[str, Any]:
    try:
        response = client.post(
            endpoint.url(operation), json=body, headers=endpoint.headers, params=endpoint.params
        )
    except httpx.HTTPError as exc:
        raise transport_error(endpoint.provider, exc) from exc
    classify(endpoint.provider, response)
    return decode(endpoint.provider, response)


async def apost_json(
    client: httpx.AsyncClient, endpoint: ProviderEndpoint, operation: str, body: dict[str, Any]
) -> dict[str, Any]:
    try:
        response = await client.post(
            endpoint.url(operation), json=body, headers=endpoint.headers, params=endpoint.params
        )
    except httpx.HTTPError as exc:
        raise transport_error(endpoint.provider, exc) from exc
    classify(endpoint.provider, response)
    return decode(endpoint.provider, response)
