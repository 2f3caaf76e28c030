"""Errors of the AI layer. Each says whether trying again (or the next
provider in the fallback chain) can help, and never carries a credential."""

from __future__ import annotations

from typing import Literal

from pulse_common.errors import PulseError

# What ai_performance_metrics records of a call.
Outcome = Literal["ok", "error", "rate_limited", "timeout", "malformed", "rejected"]


class AiConfigurationError(PulseError):
    """The tenant's AI settings cannot work as configured; an admin must act."""

    http_status = 409
    code = "ai_configuration_error"


class DimensionMismatch(AiConfigurationError):
    """The vector collection and the embedding model disagree on the vector
    size. Truncating or padding would make every similarity meaningless, so
    this is refused with the two ways out."""

    code = "embedding_dimension_mismatch"

    def __init__(self, *, collection: str, collection_size: int, model: str, model_size: int):
        super().__init__(
            f"collection {collection!r} holds vectors of size {collection_size} but embedding "
            f"model {model!r} produces {model_size}: configure an embedding provider with "
            f"{collection_size} dimensions, or re-index into a new collection of size "
            f"{model_size}"
        )
        self.collection = collection
        self.collection_size = collection_size
        self.model = model
        self.model_size = model_size


class ProviderError(PulseError):
    """A provider call failed. ``retryable`` failures (429, 5xx, timeouts,
    unreadable answers) send the router on to the next provider."""

    retryable = True
    http_status = 502
    code = "ai_provider_error"
    outcome: Outcome = "error"

    def __init__(self, provider: str, message: str, *, status_code: int | None = None) -> None:
        super().__init__(f"AI provider {provider!r}: {message}")
        self.provider = provider
        self.status_code = status_code


class ProviderRateLimited(ProviderError):
    outcome: Outcome = "rate_limited"

    def __init__(self, provider: str, retry_after: float | None) -> None:
        hint = f" (retry after {retry_after:g} s)" if retry_after is not None else ""
        super().__init__(provider, f"rate limited{hint}", status_code=429)
        self.retry_after = retry_after


class ProviderTimeout(ProviderError):
    outcome: Outcome = "timeout"


class ProviderMalformed(ProviderError):
    """The answer was not the API's shape (bad JSON, missing fields)."""

    outcome: Outcome = "malformed"


class ProviderRejected(ProviderError):
    """4xx other than 429: bad key, unknown model. The next provider may
    still work, but this one will not until an admin fixes it."""

    outcome: Outcome = "rejected"


class NoProviderAvailable(PulseError):
    """Every provider in the chain failed (or none is configured)."""

    retryable = True
    http_status = 503
    code = "ai_unavailable"

    def __init__(self, kind: str, failures: list[str]) -> None:
        detail = "; ".join(failures) if failures else f"no active {kind} provider is configured"
        super().__init__(f"no {kind} provider answered: {detail}")
        self.failures = failures
