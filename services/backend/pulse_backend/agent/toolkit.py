"""What every tool is made of: the context it runs in (the tenant's read
transaction on the replica), the argument models (pydantic, extra fields
refused: a bad argument is an ``InvalidInput`` the model sees and can fix),
and ``Tool``, which the registry in ``tools`` lists and an LLM provider
sees as its ``spec``. A tool whose read the replica cancels for a conflict
with recovery runs once more on the primary (``Tool.run``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection

from pulse_backend.agent.models import ToolOutput
from pulse_backend.context import Principal
from pulse_backend.replica_conflicts import read_on_primary_once
from pulse_backend.search.schemas import SearchParams, SearchResponse
from pulse_backend.state import AppClients
from pulse_backend.tx import read_transaction
from pulse_common.ai import ToolSpec
from pulse_common.analytics.scope import MAX_RANGE, Scope
from pulse_common.errors import InvalidInput

# ``pulse_replica_conflicts_total``'s outcome for a tool answered on the
# primary after the replica cancelled one of its reads.
TOOL_RETRIED = "tool_retried_on_primary"


@dataclass(frozen=True)
class ToolContext:
    clients: AppClients
    principal: Principal
    # The search service bound to the app's embedder and vector store.
    search: Callable[[SearchParams], SearchResponse] | None = None

    @contextmanager
    def read(self) -> Iterator[Connection]:
        p = self.principal
        with read_transaction(self.clients.replica, p.names, p.session_id, p.pending_lsn) as c:
            yield c


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Whether the tool's ``author`` is a Jira assignee's name, not a GitHub
    # login: local mode looks it up among the assignees (``assignees``).
    by_assignee: ClassVar[bool] = False


class Period(Args):
    # As long as the analytics API allows (the assistant answers for "since
    # January 2025" what the dashboards show for it).
    days: int = Field(90, ge=1, le=MAX_RANGE.days, description="length of the period in days")
    end: dt.date | None = Field(None, description="last day of the period (default: today)")

    def scope(self, limit: int = 0, **filters: Any) -> Scope:
        """The period as the analytics' scope; ``filters``: its other
        fields (``repository_ids``, ``authors``)."""
        end_day = self.end or dt.datetime.now(dt.UTC).date()
        end = dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time(), dt.UTC)
        return Scope(
            start=end - dt.timedelta(days=self.days), end=end, drilldown_limit=limit, **filters
        )


class Compared(Period):
    """A period compared against another: by default the one of equal
    length just before it, as the DORA summary compares (``Scope.previous``);
    else the one a question names ("than last quarter")."""

    against_days: int | None = Field(
        None,
        ge=1,
        le=MAX_RANGE.days,
        description="length in days of the period to compare against (default: the same)",
    )
    against_end: dt.date | None = Field(
        None,
        description="last day of the period to compare against (default: the day before "
        "this period's first)",
    )

    def against(self) -> Period:
        end = self.end or dt.datetime.now(dt.UTC).date()
        return Period(
            days=self.against_days or self.days,
            end=self.against_end or end - dt.timedelta(days=self.days),
        )

    def against_scope(self, scope: Scope) -> Scope:
        """``scope`` (its filters kept) over the period compared against."""
        base = self.against().scope()
        return scope.model_copy(update={"start": base.start, "end": base.end})


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    args: type[Args]
    fn: Callable[[ToolContext, Any], ToolOutput]

    @property
    def spec(self) -> ToolSpec:
        return ToolSpec(
            name=self.name, description=self.description, parameters=self.args.model_json_schema()
        )

    def run(self, ctx: ToolContext, arguments: dict[str, Any]) -> ToolOutput:
        try:
            parsed = self.args.model_validate(arguments)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "arguments"
            raise InvalidInput(f"{self.name}: {field}: {first['msg']}") from None
        # The read did nothing wrong and the primary has no such conflict:
        # unanswered, the conflict would reach the model as the tool's error
        # (LLM mode) or break the local answer's stream after it started.
        # Nothing was sent yet, so the whole tool runs again, every read on
        # the primary. The SQL tool retries its own query first
        # (``sql_tool.RETRIED``); this one then sees no conflict.
        return read_on_primary_once(ctx.clients.metrics, TOOL_RETRIED, lambda: self.fn(ctx, parsed))
