"""Where GitHub's entities go (repositories, pull requests with their
commits, reviews and comments, deployments, default-branch commits): staging
columns (natural keys), the joins that turn them into ids, and the conflict
key of the target table.

Lookups of a PR are ``LATERAL (… OFFSET 0)``, one index probe per staged
row, for the reason ``jira_tables.py`` gives."""

from __future__ import annotations

from pulse_etl.load.bulk import TS, Target

REPOSITORIES = Target(
    table="repositories",
    staging=(
        ("full_name", "text"),
        ("external_id", "text"),
        ("name", "text"),
        ("default_branch", "text"),
        ("language", "text"),
        ("is_private", "boolean"),
        ("url", "text"),
    ),
    key=("full_name",),
    columns=("external_id", "full_name", "name", "default_branch", "language", "is_private", "url"),
    select="s.external_id, s.full_name, s.name, s.default_branch, s.language, s.is_private, s.url",
    conflict=("full_name",),
    rekey="external_id",  # GitHub's id: a renamed repository keeps its row
)

PRS = Target(
    table="prs",
    staging=(
        ("repo", "text"),
        ("number", "int"),
        ("external_id", "text"),
        ("title", "text"),
        ("body", "text"),
        ("author", "text"),
        ("state", "text"),
        ("source_branch", "text"),
        ("target_branch", "text"),
        ("merge_commit_sha", "text"),
        ("created", TS),
        ("first_commit_at", TS),
        ("first_review_at", TS),
        ("merged_at", TS),
        ("closed_at", TS),
    ),
    key=("repo", "number"),
    columns=(
        "repository_id",
        "number",
        "external_id",
        "title",
        "body",
        "author",
        "state",
        "source_branch",
        "target_branch",
        "merge_commit_sha",
        "created",
        "first_commit_at",
        "first_review_at",
        "merged_at",
        "closed_at",
    ),
    select=(
        "r.id, s.number, s.external_id, s.title, s.body, s.author, s.state, s.source_branch, "
        "s.target_branch, s.merge_commit_sha, s.created, s.first_commit_at, s.first_review_at, "
        "s.merged_at, s.closed_at"
    ),
    joins="JOIN repositories r ON r.full_name = s.repo",
    conflict=("repository_id", "number"),
)

_PR_JOIN = (
    "JOIN repositories r ON r.full_name = s.repo JOIN LATERAL (SELECT p.id FROM prs p "
    "WHERE p.repository_id = r.id AND p.number = s.number OFFSET 0) p ON true"
)
_PR_KEY = (("repo", "text"), ("number", "int"))

PR_COMMITS = Target(
    table="prs_commits",
    staging=(
        *_PR_KEY,
        ("sha", "text"),
        ("author", "text"),
        ("message", "text"),
        ("authored_at", TS),
        ("committed_at", TS),
    ),
    key=("repo", "number", "sha"),
    columns=("pr_id", "sha", "author", "message", "authored_at", "committed_at"),
    select="p.id, s.sha, s.author, s.message, s.authored_at, s.committed_at",
    joins=_PR_JOIN,
    conflict=("pr_id", "sha"),
    from_integration=False,
)

PR_REVIEWS = Target(
    table="prs_reviews",
    staging=(
        *_PR_KEY,
        ("external_id", "text"),
        ("reviewer", "text"),
        ("state", "text"),
        ("submitted_at", TS),
    ),
    key=("repo", "number", "external_id"),
    columns=("pr_id", "external_id", "reviewer", "state", "submitted_at"),
    select="p.id, s.external_id, s.reviewer, s.state, s.submitted_at",
    joins=_PR_JOIN,
    conflict=("pr_id", "external_id"),
    from_integration=False,
)

PR_COMMENTS = Target(
    table="prs_comments",
    staging=(
        *_PR_KEY,
        ("external_id", "text"),
        ("author", "text"),
        ("body", "text"),
        ("commented_at", TS),
    ),
    key=("repo", "number", "external_id"),
    columns=("pr_id", "external_id", "author", "body", "commented_at"),
    select="p.id, s.external_id, s.author, s.body, s.commented_at",
    joins=_PR_JOIN,
    conflict=("pr_id", "external_id"),
    from_integration=False,
)

# The PR a deployment shipped: the one whose merge commit it deployed.
# ``source`` says whether it is a real deployment or a release (the fallback).
DEPLOYMENTS = Target(
    table="deployments",
    staging=(
        ("external_id", "text"),
        ("repo", "text"),
        ("environment", "text"),
        ("commit_sha", "text"),
        ("status", "text"),
        ("deployed_at", TS),
        ("duration_seconds", "int"),
        ("started_at", TS),
        ("finished_at", TS),
        ("source", "text"),
    ),
    key=("external_id",),
    columns=(
        "external_id",
        "repository_id",
        "environment",
        "commit_sha",
        "pr_id",
        "status",
        "deployed_at",
        "duration_seconds",
        "started_at",
        "finished_at",
        "source",
    ),
    select=(
        "s.external_id, r.id, s.environment, s.commit_sha, "
        "(SELECT p.id FROM prs p "
        "WHERE p.repository_id = r.id AND p.merge_commit_sha = s.commit_sha "
        "LIMIT 1), s.status, s.deployed_at, s.duration_seconds, s.started_at, s.finished_at, "
        "s.source"
    ),
    joins="JOIN repositories r ON r.full_name = s.repo",
    conflict=("external_id",),
)

# Default-branch commits (from compare between deployments): the history the
# deployment commit ranges are cut from.
COMMITS = Target(
    table="commits",
    staging=(
        ("repo", "text"),
        ("sha", "text"),
        ("author", "text"),
        ("message", "text"),
        ("authored_at", TS),
        ("committed_at", TS),
    ),
    key=("repo", "sha"),
    columns=("repository_id", "sha", "author", "message", "authored_at", "committed_at"),
    select="r.id, s.sha, s.author, s.message, s.authored_at, s.committed_at",
    joins="JOIN repositories r ON r.full_name = s.repo",
    conflict=("repository_id", "sha"),
)
