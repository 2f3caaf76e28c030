"""Which embedder may write or query a collection: one whose vectors have
the collection's size, never a truncated or padded other one.

The collection's size is fixed when the tenant is created
(``spec.vectorStore.vectorSize``, 384 by default: the built-in MiniLM). A
tenant whose collection has another size needs an embedding provider of
that size (a row of ``integrations``, type ``embedding``, whose config
declares ``dimensions``); until it has one, search falls back to full text
and says why, naming both sizes."""

from __future__ import annotations

from collections.abc import Sequence

from pulse_common.ai import Context, Embedder
from pulse_common.ai.config import ProviderConfig, ProviderKind, ProviderType
from pulse_common.ai.embeddings import LOCAL_DIMENSION
from pulse_common.ai.errors import DimensionMismatch
from pulse_common.ai.routing import NullRecorder, ProviderEntry, Recorder, RoutedEmbedder, chain


def declared_dimension(config: ProviderConfig) -> int | None:
    """The size a provider's vectors have, as far as its row says."""
    if config.kind is ProviderKind.local and config.base_url is None:
        return LOCAL_DIMENSION
    return config.dimensions


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
    if builtin.dimension == size:
        return builtin
    fitting = [
        e
        for e in chain(entries, ProviderType.embedding, context)
        if declared_dimension(e.config) == size
    ]
    if fitting:
        model = fitting[0].config.model
        same = [e for e in fitting if e.config.model == model]
        return RoutedEmbedder(same, context, recorder or NullRecorder())
    configured = chain(entries, ProviderType.embedding, context)
    other = next((e for e in configured if declared_dimension(e.config) is not None), None)
    if other is None:
        name, dimension = builtin.name, builtin.dimension
    else:
        name = f"{other.name}/{other.config.model}"
        dimension = declared_dimension(other.config) or 0
    raise DimensionMismatch(
        collection=collection, collection_size=size, model=name, model_size=dimension
    )
