"""What a connector hands the loader: the rows of one page, and where the
sync resumes once they are committed."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from pulse_etl.errors import MalformedResponse

Row = tuple[Any, ...]


@dataclass
class Batch:
    phase: str
    rows: dict[str, list[Row]]  # by target table
    cursor: dict[str, Any]  # the resume point once these rows are committed
    items: int  # source entities in this batch (issues, PRs, deployments...)
    estimated: int | None = None  # entities expected in this phase, when the source says
    etags: dict[str, str] = field(default_factory=dict)  # validators to keep on success
    # The items' identities, when the listing can repeat one (an item updated
    # mid-run moves to a later page): progress counts each once per run.
    keys: list[str] = field(default_factory=list)
    # What the admin should know and act on (a repository renamed on GitHub):
    # kept in the job's progress after the run.
    notices: list[str] = field(default_factory=list)


class Connector(Protocol):
    def batches(
        self, cursor: dict[str, Any], since: dt.datetime | None
    ) -> AsyncIterator[Batch]: ...


def resume_index(names: list[str], at: str | None) -> int:
    """Where a sorted list resumes: at ``at``, or the first name after it if it is gone."""
    if at is None:
        return 0
    return next((i for i, n in enumerate(names) if n >= at), len(names))


class Visited:
    """The page cursors (Jira page tokens, GitHub ``next`` links) one listing
    has followed. An upstream that hands one out again would be read forever,
    each page committed and the run never ending: a malformed answer. So is
    one that hands out new cursors to empty pages without end (the run went
    on as long as the upstream did); a few empty pages in a row are let be."""

    EMPTY_PAGES = 10

    def __init__(self, source: str, what: str, first: str | None = None) -> None:
        self.source, self.what = source, what
        self._seen = {first} if first else set()
        self._empty = 0  # pages in a row without an item

    def follow(self, cursor: str | None, items: int) -> str | None:
        """The next page's cursor, given the one the page of ``items`` items named."""
        self._empty = 0 if items else self._empty + 1
        if cursor:
            if cursor in self._seen:
                raise MalformedResponse(
                    self.source, f"{self.what}: the next page is one already read (a paging loop)"
                )
            if self._empty >= self.EMPTY_PAGES:
                raise MalformedResponse(
                    self.source,
                    f"{self.what}: {self._empty} empty pages in a row, each saying more follow",
                )
            self._seen.add(cursor)
        return cursor
