"""The ETL fleet's tenant watch: a 429 (the apiserver's "storage is
(re)initializing" right after the CRD is created, every ``make dev``
start-up) is retried quietly after its Retry-After; anything else, or 429s
that go on, is a warning."""

from __future__ import annotations

import logging

import httpx

from pulse_testworld.kube_watch import Restarts

URL = "https://127.0.0.1:6443/apis/pulse.dev/v1alpha1/pulsetenants"


def _status_error(code: int, headers: dict[str, str] | None = None) -> httpx.HTTPStatusError:
    request = httpx.Request("GET", URL)
    response = httpx.Response(code, headers=headers, request=request)
    return httpx.HTTPStatusError(f"{code}", request=request, response=response)


def test_initialising_storage_is_retried_quietly_after_retry_after() -> None:
    restarts = Restarts(quiet=3)
    busy = _status_error(429, {"retry-after": "2"})
    assert [restarts.failed(busy) for _ in range(3)] == [(logging.DEBUG, 2.0)] * 3
    # Still refused after that: no longer the expected start-up moment.
    assert restarts.failed(busy) == (logging.WARNING, 2.0)
    # A successful list starts the count again.
    restarts.listed()
    assert restarts.failed(_status_error(429)) == (logging.DEBUG, 1.0)


def test_other_failures_are_warnings() -> None:
    restarts = Restarts()
    assert restarts.failed(_status_error(500)) == (logging.WARNING, 1.0)
    assert restarts.failed(_status_error(403)) == (logging.WARNING, 1.0)
    refused = httpx.ConnectError("connection refused", request=httpx.Request("GET", URL))
    assert restarts.failed(refused) == (logging.WARNING, 1.0)
    # A Retry-After out of reason is bounded.
    assert restarts.failed(_status_error(429, {"retry-after": "3600"}))[1] == 10.0
