"""The search API's input and output."""

from __future__ import annotations

import datetime as dt
import enum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pulse_backend.params import Text
from pulse_common.search.documents import Kind

MAX_LIMIT = 50


class SearchParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: Text = Field(min_length=1, max_length=500, description="what to look for, in words")
    types: str | None = Field(
        default=None,
        description="comma-separated: work_item, pull_request, incident (default: all)",
    )
    limit: int = Field(default=10, ge=1, le=MAX_LIMIT)
    project: Text | None = Field(
        default=None, min_length=1, max_length=50, description="project key"
    )
    repository: Text | None = Field(
        default=None, min_length=1, max_length=255, description="repository full name (org/name)"
    )

    @field_validator("q")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must contain more than spaces")
        return value.strip()

    @field_validator("types")
    @classmethod
    def _known_types(cls, value: str | None) -> str | None:
        if value is None:
            return None
        unknown = [t for t in _split(value) if t not in Kind.__members__]
        if unknown or not _split(value):
            allowed = ", ".join(k.value for k in Kind)
            raise ValueError(f"unknown type {', '.join(unknown) or '(none)'}; allowed: {allowed}")
        return value

    def kinds(self) -> list[Kind]:
        if self.types is None:
            return list(Kind)
        return sorted({Kind(t) for t in _split(self.types)}, key=list(Kind).index)


def _split(value: str) -> list[str]:
    return [t.strip() for t in value.split(",") if t.strip()]


class SearchMode(enum.StrEnum):
    semantic = "semantic"
    fulltext = "fulltext"


class MatchedBy(enum.StrEnum):
    """Why a hit is a result."""

    meaning = "meaning"  # semantic: at or above the model's relevance cut-off
    words = "words"  # full text: the query's words are in it (fallback, or a weak semantic hit)


class SearchHit(BaseModel):
    type: Kind
    id: int
    title: str
    snippet: str
    score: float = Field(
        description="matched_by meaning: the semantic similarity; words in semantic mode: the "
        "semantic similarity (below min_score); in fulltext mode: the full-text rank"
    )
    matched_by: MatchedBy = Field(
        description="meaning: close in meaning to the query; words: contains the query's words "
        "(ranked after the hits matched by meaning)"
    )
    url: str | None
    updated_at: dt.datetime | None


class NoResults(BaseModel):
    """Why an answer is empty, in words for users, and what to try."""

    message: str = Field(description="e.g. No results for “…”.")
    hint: str


class SearchResponse(BaseModel):
    mode: SearchMode
    notice: str | None = None
    results: list[SearchHit]
    min_score: float | None = Field(
        default=None,
        description="semantic mode: hits scoring below this relevance cut-off are left out "
        "unless they contain the query's words (matched_by words)",
    )
    no_results: NoResults | None = Field(
        default=None, description="set when ``results`` is empty: what to say and try"
    )


class SearchState(enum.StrEnum):
    ready = "ready"
    empty = "empty"  # the collection has no vectors yet
    missing = "missing"  # no collection (the tenant is still being provisioned)
    dimension_mismatch = "dimension_mismatch"
    unavailable = "unavailable"


class Indexer(enum.StrEnum):
    etl = "etl"  # the tenant's ETL, with the built-in model
    backend = "backend"  # the backend, with the tenant's embedding provider


class IndexRunOut(BaseModel):
    at: dt.datetime
    model: str | None
    embedded: int
    removed: int
    error: str | None


class SearchStatus(BaseModel):
    """The tenant's semantic search as an admin sees it: the collection's
    vector size next to the embedding model's, what to do when they differ,
    and the indexing progress (rows waiting in the embedding queue)."""

    state: SearchState
    collection: str
    vector_size: int | None = None
    points: int | None = None
    model: str | None = None
    dimension: int | None = None
    message: str | None = None
    queued: int = Field(default=0, description="rows waiting to be (re-)embedded")
    indexed_by: Indexer | None = Field(
        default=None, description="who embeds the documents: the ETL or the backend"
    )
    last_run: IndexRunOut | None = Field(
        default=None, description="the backend's last indexing run (provider-sized collections)"
    )


class ReindexResult(BaseModel):
    queued: int = Field(description="rows queued for embedding")
