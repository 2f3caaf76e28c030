"""What is searchable: per kind, the SQL that reads rows as documents (text
to embed, title, snippet, link, filter fields), the deterministic point id
and the hash that decides whether a row needs a new vector.

The payload stored next to a vector holds only what search needs to filter
and to find the row again (kind, row id, title, project/repository ids): no
tenant id or slug, no people, nothing the hydration step does not re-read
from PostgreSQL under the caller's tenant role anyway.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import uuid
from typing import Any

from pydantic import BaseModel


class Kind(enum.StrEnum):
    work_item = "work_item"
    pull_request = "pull_request"
    incident = "incident"


# One namespace for every tenant: collections are per tenant, so equal ids in
# two collections never meet.
_POINTS = uuid.UUID("3b0f8d5e-1c1a-4c39-9d3e-70756c736531")

TABLES = {
    Kind.work_item: "work_items",
    Kind.pull_request: "prs",
    Kind.incident: "incidents",
}


class Document(BaseModel):
    kind: Kind
    row_id: int
    title: str
    body: str
    url: str | None
    project_id: int | None
    repository_id: int | None
    updated_at: dt.datetime | None

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.body}".strip()

    @property
    def point_id(self) -> str:
        return point_id(self.kind, self.row_id)

    def payload(self) -> dict[str, Any]:
        return {
            "type": self.kind.value,
            "row_id": self.row_id,
            "title": self.title,
            "project_id": self.project_id,
            "repository_id": self.repository_id,
        }

    def content_hash(self, model: str) -> str:
        """Changes when the text, the payload or the model change (any of
        them needs the point written again)."""
        raw = json.dumps([model, self.text, self.payload()], sort_keys=True)
        return hashlib.sha256(raw.encode()).hexdigest()


def point_id(kind: Kind | str, row_id: int) -> str:
    return str(uuid.uuid5(_POINTS, f"{Kind(kind).value}:{row_id}"))


# Each query yields: id, title, body, url, project_id, repository_id,
# updated_at, and the full-text rank column ``rank`` when asked. ``{where}``
# is completed by the caller with bound parameters only. Jira links are the
# integration's base URL + /browse/KEY; GitHub links the PR's html URL.
SELECT = {
    Kind.work_item: """
        SELECT w.id, w.key || ' ' || w.summary AS title, COALESCE(w.description, '') AS body,
               CASE WHEN i.base_url IS NOT NULL
                    THEN rtrim(i.base_url, '/') || '/browse/' || w.key END AS url,
               w.project_id, NULL::bigint AS repository_id,
               COALESCE(w.updated, w.last_updated_at) AS updated_at {rank}
        FROM work_items w LEFT JOIN integrations i ON i.id = w.integration_id
        WHERE w.active {where}""",
    Kind.pull_request: """
        SELECT p.id, p.title, COALESCE(p.body, '') AS body,
               'https://github.com/' || r.full_name || '/pull/' || p.number AS url,
               NULL::bigint AS project_id, p.repository_id,
               COALESCE(p.closed_at, p.merged_at, p.last_updated_at) AS updated_at {rank}
        FROM prs p JOIN repositories r ON r.id = p.repository_id
        WHERE TRUE {where}""",
    Kind.incident: """
        SELECT n.id, n.title, '' AS body, NULL AS url,
               n.project_id, n.repository_id,
               COALESCE(n.resolved_at, n.last_updated_at) AS updated_at {rank}
        FROM incidents n
        WHERE TRUE {where}""",
}

# The alias of each kind's main table in ``SELECT`` (for callers' filters).
ALIAS = {Kind.work_item: "w", Kind.pull_request: "p", Kind.incident: "n"}
# The expression full-text search matches (the same text that is embedded).
FTS_TEXT = {
    Kind.work_item: "w.key || ' ' || w.summary || ' ' || COALESCE(w.description, '')",
    Kind.pull_request: "p.title || ' ' || COALESCE(p.body, '')",
    Kind.incident: "n.title",
}


def document(kind: Kind, row: Any) -> Document:
    return Document(
        kind=kind,
        row_id=row.id,
        title=row.title,
        body=row.body,
        url=row.url,
        project_id=row.project_id,
        repository_id=row.repository_id,
        updated_at=row.updated_at,
    )
