"""GitHub REST responses, as far as the ETL reads them (docs.github.com/rest).
Timestamps must carry their zone (GitHub's always end in ``Z``): one without
was compared with the watermark and failed the run as an internal error."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from pulse_etl.sources.validate import Strict


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
    created_at: AwareDatetime
    updated_at: AwareDatetime
    closed_at: AwareDatetime | None = None
    merged_at: AwareDatetime | None = None
    merge_commit_sha: str | None = None
    head: Ref
    base: Ref


class GitActor(Strict):
    name: str | None = None
    date: AwareDatetime


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
    submitted_at: AwareDatetime | None = None  # pending reviews have none


class ReviewComment(Strict):
    id: int
    user: Account | None = None
    body: str
    created_at: AwareDatetime


class Deployment(Strict):
    id: int
    sha: str
    ref: str
    environment: str
    created_at: AwareDatetime
    updated_at: AwareDatetime


class DeploymentStatus(Strict):
    id: int
    state: str  # error | failure | inactive | in_progress | queued | pending | success
    created_at: AwareDatetime


class Release(Strict):
    id: int
    tag_name: str
    target_commitish: str
    created_at: AwareDatetime
    published_at: AwareDatetime | None = None


class Compare(Strict):
    status: str
    total_commits: int
    commits: list[Commit] = Field(default=[])
