"""GitHub REST responses, as far as the ETL reads them (docs.github.com/rest)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from pulse_etl.sources.http import Strict


class Account(Strict):
    login: str


class Repo(Strict):
    id: int
    name: str
    full_name: str
    private: bool
    default_branch: str = "main"
    language: str | None = None
    html_url: str | None = None


class Ref(Strict):
    ref: str


class Pull(Strict):
    id: int
    number: int
    state: str  # open | closed
    title: str
    body: str | None = None
    user: Account | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None = None
    merged_at: dt.datetime | None = None
    merge_commit_sha: str | None = None
    head: Ref
    base: Ref


class GitActor(Strict):
    name: str | None = None
    date: dt.datetime


class GitCommit(Strict):
    author: GitActor
    committer: GitActor | None = None
    message: str


class Commit(Strict):
    sha: str
    commit: GitCommit
    author: Account | None = None


class Review(Strict):
    id: int
    user: Account | None = None
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED | PENDING
    submitted_at: dt.datetime | None = None  # pending reviews have none


class ReviewComment(Strict):
    id: int
    user: Account | None = None
    body: str
    created_at: dt.datetime


class Deployment(Strict):
    id: int
    sha: str
    ref: str
    environment: str
    created_at: dt.datetime
    updated_at: dt.datetime


class DeploymentStatus(Strict):
    id: int
    state: str  # error | failure | inactive | in_progress | queued | pending | success
    created_at: dt.datetime


class Release(Strict):
    id: int
    tag_name: str
    target_commitish: str
    created_at: dt.datetime
    published_at: dt.datetime | None = None


class Compare(Strict):
    status: str
    total_commits: int
    commits: list[Commit] = Field(default=[])
