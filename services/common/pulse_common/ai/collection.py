"""Which embedder may write or query a collection: one whose vectors have
the collection's size, never a truncated or padded other one.

The collection's size is fixed when the tenant is created
(``spec.vectorStore.vectorSize``, 384 by default: the built-in MiniLM). A
tenant whose collection has another size needs an embedding provider of
that size (a row of ``integrations``, type ``embedding``, whose config
declares ``dimensions``); until it has one, search falls back to full text
and says why, naming both sizes."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import structlog

from pulse_common.ai import Context, Embedder
from pulse_common.ai.config import ProviderConfig, ProviderKind, ProviderType
from pulse_common.ai.embeddings import LOCAL_DIMENSION, LOCAL_MIN_SCORE, LOCAL_NAME
from pulse_common.ai.errors import DimensionMismatch
from pulse_common.ai.routing import NullRecorder, ProviderEntry, Recorder, RoutedEmbedder, chain

log = structlog.get_logger("pulse_common.ai.collection")
# (collection, provider, its dimension, the collection's size) already
# logged: the choice is made on every search, the log says it once.
_told: set[tuple[str, str, int | None, int]] = set()
_told_lock = threading.Lock()


def declared_dimension(config: ProviderConfig) -> int | None:
    """The size a provider's vectors have, as far as its row says."""
    if config.kind is ProviderKind.local and config.base_url is None:
        return LOCAL_DIMENSION
    return config.dimensions


def unfit_reason(config: ProviderConfig, size: int) -> str | None:
    """Why an embedding provider cannot serve a collection of ``size``, or
    None when it can: the words the admin reads and the log says."""
    dimension = declared_dimension(config)
    if dimension == size:
        return None
    if dimension is None:
        return (
            f"its config declares no dimensions; this tenant's vector collection expects "
            f"{size}: set dimensions to {size} if the model produces that many"
        )
    return (
        f"it produces vectors of {dimension} dimensions but this tenant's vector collection "
        f"expects {size}: search and indexing do not use it"
    )


def _tell_unfit(entries: Sequence[ProviderEntry], collection: str, size: int) -> None:
    for e in entries:
        reason = unfit_reason(e.config, size)
        key = (collection, e.name, declared_dimension(e.config), size)
        if reason is None:
            continue
        with _told_lock:
            if key in _told:
                continue
            _told.add(key)
        # Names and sizes only: the entry's key never reaches a log.
        log.warning(
            "embedding provider not used",
            category="AI",
            provider=e.name,
            collection=collection,
            expected_dimension=size,
            dimension=declared_dimension(e.config),
            reason=reason,
        )


def min_score(embedder: Embedder) -> float | None:
    """Search's relevance cut-off for ``embedder``'s scores: the provider's
    own (``ProviderConfig.min_score``), the built-in model's measured one,
    or None (every hit is shown) for a model whose scale is unknown."""
    if isinstance(embedder, RoutedEmbedder) and embedder.min_score is not None:
        return embedder.min_score
    return LOCAL_MIN_SCORE if embedder.name == LOCAL_NAME else None


def embedder_for_collection(
    entries: Sequence[ProviderEntry],
    *,
    collection: str,
    size: int,
    context: Context,
    builtin: Embedder,
    recorder: Recorder | None = None,
) -> Embedder:
    """``builtin`` (the offline MiniLM) when its size fits, else the tenant's
    embedding providers of the collection's size (in routing order, each
    falling back to the next). Otherwise ``DimensionMismatch`` naming both
    sizes and the ways out.

    The built-in model wins when it fits because it is what the ETL embeds
    documents with: a query must be embedded by the model that placed the
    documents. For the same reason only providers of the first one's model
    stay in the chain (two models of one size still place texts
    differently)."""
    configured = chain(entries, ProviderType.embedding, context)
    _tell_unfit(configured, collection, size)
    if builtin.dimension == size:
        return builtin
    fitting = [e for e in configured if declared_dimension(e.config) == size]
    if fitting:
        model = fitting[0].config.model
        same = [e for e in fitting if e.config.model == model]
        return RoutedEmbedder(same, context, recorder or NullRecorder())
    other = next((e for e in configured if declared_dimension(e.config) is not None), None)
    if other is None:
        name, dimension = builtin.name, builtin.dimension
    else:
        name = f"{other.name}/{other.config.model}"
        dimension = declared_dimension(other.config) or 0
    raise DimensionMismatch(
        collection=collection, collection_size=size, model=name, model_size=dimension
    )
