"""Two local AI gateways (a "paid" one and a "local" one) and helpers to
describe providers pointing at them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pulse_common.ai.config import ProviderConfig, ProviderType
from pulse_common.ai.routing import ProviderEntry
from pulse_fakes import FakeServer, GatewayState, serve_gateway


@pytest.fixture
def paid() -> Iterator[FakeServer]:
    server = serve_gateway(GatewayState(api_key="paid-key-123"))
    yield server
    server.stop()


@pytest.fixture
def local() -> Iterator[FakeServer]:
    server = serve_gateway(GatewayState(api_key="local-key-456", dimension=384))
    yield server
    server.stop()


def entry(
    name: str,
    server: FakeServer,
    *,
    gateway_route: bool = True,
    type_: ProviderType = ProviderType.ai,
    key: str | None = None,
    **config: Any,
) -> ProviderEntry:
    assert server.gateway_state is not None
    return ProviderEntry(
        name=name,
        type=type_,
        config=ProviderConfig.model_validate(
            {
                "kind": "openai-compatible",
                "base_url": f"{server.url}/v1",
                "model": "pulse-chat",
                "gateway_route": gateway_route,
                "timeouts": {"connect_seconds": 2, "read_seconds": 2},
                **config,
            }
        ),
        api_key=key or server.gateway_state.api_key,
    )
