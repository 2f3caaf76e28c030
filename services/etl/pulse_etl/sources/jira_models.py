"""Jira Cloud REST v3 responses, as far as the ETL reads them
(developer.atlassian.com/cloud/jira/platform/rest/v3). Timestamps must carry
their zone (Jira's have an offset): one without was subtracted from one with
and failed the run as an internal error, or stored in the wrong zone."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, Field

from pulse_etl.sources.validate import Strict


class Myself(Strict):
    account_id: str = Field(alias="accountId")
    time_zone: str = Field(alias="timeZone")


class Project(Strict):
    id: str
    key: str
    name: str
    project_type_key: str | None = Field(default=None, alias="projectTypeKey")


class StatusCategory(Strict):
    key: str  # new | indeterminate | done | undefined


class Status(Strict):
    id: str
    name: str
    status_category: StatusCategory = Field(alias="statusCategory")


class IssueType(Strict):
    id: str
    name: str
    description: str | None = None
    hierarchy_level: int = Field(default=0, alias="hierarchyLevel")


class Named(Strict):
    name: str


class User(Strict):
    display_name: str | None = Field(default=None, alias="displayName")


class ChangeItem(Strict):
    field: str
    from_string: str | None = Field(default=None, alias="fromString")
    to_string: str | None = Field(default=None, alias="toString")


class History(Strict):
    id: str
    author: User | None = None
    created: AwareDatetime
    items: list[ChangeItem]


class Changelog(Strict):
    start_at: int = Field(alias="startAt")
    total: int
    histories: list[History]


class Parent(Strict):
    key: str


class IssueFields(Strict):
    summary: str
    description: dict[str, Any] | str | None = None
    issuetype: Named
    status: Named
    project: Parent
    priority: Named | None = None
    assignee: User | None = None
    reporter: User | None = None
    parent: Parent | None = None
    created: AwareDatetime
    updated: AwareDatetime
    resolutiondate: AwareDatetime | None = None


class Issue(Strict):
    id: str
    key: str
    fields: IssueFields
    changelog: Changelog | None = None


class SearchPage(Strict):
    issues: list[Issue]
    next_page_token: str | None = Field(default=None, alias="nextPageToken")
    is_last: bool | None = Field(default=None, alias="isLast")


class IssueId(Strict):
    id: str = Field(min_length=1)


class IdPage(Strict):
    """A search page asked for ids only (the deleted-issue sweep)."""

    issues: list[IssueId]
    next_page_token: str | None = Field(default=None, alias="nextPageToken")
    is_last: bool | None = Field(default=None, alias="isLast")


class ChangelogPage(Strict):
    start_at: int = Field(alias="startAt")
    max_results: int = Field(alias="maxResults")
    total: int
    is_last: bool | None = Field(default=None, alias="isLast")
    values: list[History]


class Count(Strict):
    count: int
