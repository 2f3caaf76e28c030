"""Fixtures for the ETL tests: a tenant provisioned with ensure_tenant on the
real primary, its Redis ACL user, the local Jira and GitHub servers serving a
small generated organisation, and the ETL's run context as the tenant's LOGIN
role (as in production)."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
import redis.asyncio as aioredis

from pulse_backend.keys import KeyRing, load_dir, write_key
from pulse_common import cache
from pulse_common.tenancy import TenantNames
from pulse_etl.integrations import Integration, parse_integrations
from pulse_etl.jobs.context import RunContext
from pulse_etl.settings import EtlSettings
from pulse_etl.sources.http import Retry
from pulse_fakes import FakeServer, GithubOrg, JiraOrg, OrgSpec, generate, serve_github, serve_jira
from pulse_fakes.app import RateLimit
from tests.etl.zygote import Zygote
from tests.pulse_db import PulseDb

pytestmark = pytest.mark.postgres

SPEC = OrgSpec(seed=7, projects=2, issues_per_project=24, repos=2, prs_per_repo=14)
PAGE = 5  # small pages: many batches, so kills and faults land mid-sync
EMBEDDED = 3  # issues with more transitions need the changelog route
FAST = Retry(attempts=3, base=0.05, cap=0.2, secondary_default=1.0, max_wait=30)


@dataclass
class Sources:
    jira_org: JiraOrg
    github_org: GithubOrg
    jira: FakeServer
    github: FakeServer

    def stop(self) -> None:
        self.jira.stop()
        self.github.stop()


def start_sources(
    spec: OrgSpec = SPEC,
    *,
    jira_limit: RateLimit | None = None,
    github_limit: RateLimit | None = None,
) -> Sources:
    j, g = generate(spec)
    return Sources(
        j,
        g,
        serve_jira(j, embedded_changelog=EMBEDDED, limit=jira_limit),
        serve_github(g, limit=github_limit),
    )


@dataclass
class Signer:
    """The backend's side of job-API auth: a key ring that signs access
    tokens and the JWKS file the ETL verifies them with."""

    ring: KeyRing
    jwks: Path

    @classmethod
    def create(cls, folder: Path, kid: str = "etl-k1") -> Signer:
        folder.mkdir(parents=True, exist_ok=True)
        write_key(folder, kid)
        ring = KeyRing(kid, load_dir(folder), "pulse", "pulse-api")
        jwks = folder / "jwks.json"
        jwks.write_text(json.dumps(ring.jwks()))
        return cls(ring, jwks)

    def token(
        self, slug: str, tenant_id: int, role: str = "admin", ttl: int = 300, **claims: Any
    ) -> str:
        base = {"sub": "1", "tid": tenant_id, "ten": slug, "role": role, "sid": 1}
        return self.ring.sign({**base, **claims}, ttl)


@dataclass
class EtlTenant:
    slug: str
    tenant_id: int
    dsn: str  # the login role
    admin_dsn: str
    redis_url: str
    credentials: Path
    sources: Sources
    redis_admin: redis.Redis
    signer: Signer
    extra: dict[str, Any] = field(default_factory=dict)

    def token(self, role: str = "admin", **claims: Any) -> str:
        return self.signer.token(self.slug, self.tenant_id, role, **claims)

    def auth(self, role: str = "admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role)}"}

    @property
    def names(self) -> TenantNames:
        return TenantNames(self.slug)

    def integrations_json(self, **overrides: dict[str, Any]) -> str:
        items = [
            {
                "name": "jira-main",
                "type": "jira",
                "baseUrl": self.sources.jira.url,
                "projects": [p["key"] for p in self.sources.jira_org.projects],
                "credentialsSecretRef": {"name": "acme-jira", "key": "token"},
                "pageSize": PAGE,
            },
            {
                "name": "github-main",
                "type": "github",
                "baseUrl": self.sources.github.url,
                "organization": SPEC.org,
                "credentialsSecretRef": {"name": "acme-github", "key": "token"},
                "pageSize": PAGE,
            },
        ]
        for item in items:
            item.update(overrides.get(str(item["name"]), {}))
        return json.dumps(items)

    def integrations(self, **overrides: dict[str, Any]) -> dict[str, Integration]:
        return {i.name: i for i in parse_integrations(self.integrations_json(**overrides))}

    def context(self, **kw: Any) -> RunContext:
        return RunContext(
            tenant=self.names,
            tenant_id=self.tenant_id,
            database_url=self.dsn,
            credentials_dir=self.credentials,
            redis=aioredis.Redis.from_url(self.redis_url),
            overlap=dt.timedelta(minutes=5),
            timeout=kw.pop("timeout", 5.0),
            retry=kw.pop("retry", FAST),
            **kw,
        )

    def env(self, **overrides: dict[str, Any]) -> dict[str, str]:
        """The environment of an ETL process for this tenant (as its pod gets it)."""
        return {
            **os.environ,
            "PULSE_TENANT_SLUG": self.slug,
            "PULSE_TENANT_ID": str(self.tenant_id),
            "PULSE_DATABASE_URL": self.dsn,
            "PULSE_DATABASE_SCHEMA": self.names.schema,
            "PULSE_REDIS_URL": self.redis_url,
            "PULSE_REDIS_KEY_PREFIX": self.names.key_prefix,
            "PULSE_QDRANT_URL": ":memory:",
            "PULSE_QDRANT_TOKEN": "unused",
            "PULSE_QDRANT_COLLECTION": self.names.collection,
            "PULSE_ETL_INTEGRATIONS": self.integrations_json(**overrides),
            "PULSE_ETL_CREDENTIALS_DIR": str(self.credentials),
            "PULSE_ETL_JWKS": str(self.signer.jwks),
            "PULSE_ETL_OVERLAP_SECONDS": "300",
            "PULSE_ETL_HTTP_TIMEOUT": "5",
            "PULSE_LOG_JSON": "true",
        }

    def settings(self, **env: str) -> EtlSettings:
        """The ETL's settings from ``env()`` (plus ``env``), without the process."""
        values = {**self.env(), **env}
        return EtlSettings.model_validate(
            {k[len("PULSE_") :].lower(): v for k, v in values.items() if k.startswith("PULSE_")}
        )

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.dsn) as conn:
            return conn.execute(sql, params).fetchall()


def write_credentials(
    root: Path, *, jira_token: str = "jira-token", github_token: str = "github-token"
) -> None:
    (root / "jira-main").mkdir(parents=True, exist_ok=True)
    (root / "jira-main" / "token").write_text(jira_token + "\n")
    (root / "jira-main" / "email").write_text("etl@acme.example\n")
    (root / "github-main").mkdir(parents=True, exist_ok=True)
    (root / "github-main" / "token").write_text(github_token)


TenantMaker = Callable[..., EtlTenant]


@pytest.fixture
def etl_tenant_factory(
    make_tenant: Any,
    pulse_db: PulseDb,
    redis_admin: redis.Redis,
    tmp_path: Path,
) -> Iterator[TenantMaker]:
    made: list[EtlTenant] = []

    def make(sources: Sources | None = None, prefix: str = "etl") -> EtlTenant:
        req, prov = make_tenant(prefix)
        names = TenantNames(req.slug)
        password = req.login_password.get_secret_value()
        cache.ensure_user(redis_admin, names, password, prov.tenant_id)
        host = redis_admin.connection_pool.connection_kwargs
        creds = tmp_path / f"creds-{req.slug}"
        write_credentials(creds)
        t = EtlTenant(
            slug=req.slug,
            tenant_id=prov.tenant_id,
            dsn=pulse_db.dsn_as(names.login_role, password),
            admin_dsn=pulse_db.primary_dsn,
            redis_url=f"redis://{names.redis_user}:{password}@{host['host']}:{host['port']}/0",
            credentials=creds,
            sources=sources or start_sources(),
            redis_admin=redis_admin,
            signer=Signer.create(tmp_path / f"keys-{req.slug}"),
        )
        made.append(t)
        return t

    yield make
    for t in made:
        t.sources.stop()
        cache.delete_user_and_keys(redis_admin, t.names, t.tenant_id)


@pytest.fixture(scope="session")
def etl_zygote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zygote]:
    """Forks ``python -m pulse_etl.cli`` runs with the imports already paid."""
    zygote = Zygote(tmp_path_factory.mktemp("zygote"))
    yield zygote
    zygote.close()


@pytest.fixture
def etl_tenant(etl_tenant_factory: TenantMaker) -> EtlTenant:
    return etl_tenant_factory()


# Table contents by natural keys (ids and bookkeeping timestamps differ
# between runs and tenants; the data must not).
SNAPSHOT = {
    "projects": "SELECT key, name, external_id, project_type, active FROM projects",
    "statuses": "SELECT name, category, external_id FROM statuses",
    "wits": "SELECT name, external_id, hierarchy_level FROM wits",
    "work_items": (
        "SELECT w.key, p.key, w.external_id, w.summary, w.description, t.name, s.name, w.priority, "
        "w.assignee, w.reporter, w.parent_key, w.created, w.updated, w.work_started_at, w.resolved_at "
        "FROM work_items w JOIN projects p ON p.id = w.project_id LEFT JOIN wits t ON t.id = w.wit_id "
        "LEFT JOIN statuses s ON s.id = w.status_id"
    ),
    "changelogs": (
        "SELECT w.key, c.external_id, f.name, t.name, c.transitioned_at, c.author, "
        "c.time_in_status_seconds FROM changelogs c JOIN work_items w ON w.id = c.work_item_id "
        "LEFT JOIN statuses f ON f.id = c.from_status_id LEFT JOIN statuses t ON t.id = c.to_status_id"
    ),
    "incidents": (
        "SELECT i.external_id, i.title, i.severity, w.key, i.started_at, i.resolved_at, d.external_id "
        "FROM incidents i LEFT JOIN work_items w ON w.id = i.work_item_id "
        "LEFT JOIN deployments d ON d.id = i.deployment_id"
    ),
    "repositories": (
        "SELECT full_name, external_id, name, default_branch, language, is_private, url FROM repositories"
    ),
    "prs": (
        "SELECT r.full_name, p.number, p.external_id, p.title, p.body, p.author, p.state, "
        "p.source_branch, p.target_branch, p.merge_commit_sha, p.created, p.first_commit_at, "
        "p.first_review_at, p.merged_at, p.closed_at FROM prs p JOIN repositories r ON r.id = p.repository_id"
    ),
    "prs_commits": (
        "SELECT r.full_name, p.number, c.sha, c.author, c.message, c.authored_at, c.committed_at "
        "FROM prs_commits c JOIN prs p ON p.id = c.pr_id JOIN repositories r ON r.id = p.repository_id"
    ),
    "prs_reviews": (
        "SELECT r.full_name, p.number, v.external_id, v.reviewer, v.state, v.submitted_at "
        "FROM prs_reviews v JOIN prs p ON p.id = v.pr_id JOIN repositories r ON r.id = p.repository_id"
    ),
    "prs_comments": (
        "SELECT r.full_name, p.number, m.external_id, m.author, m.body, m.commented_at "
        "FROM prs_comments m JOIN prs p ON p.id = m.pr_id JOIN repositories r ON r.id = p.repository_id"
    ),
    "deployments": (
        "SELECT d.external_id, r.full_name, d.environment, d.commit_sha, p.number, d.status, "
        "d.deployed_at, d.duration_seconds FROM deployments d "
        "JOIN repositories r ON r.id = d.repository_id LEFT JOIN prs p ON p.id = d.pr_id"
    ),
}


def snapshot(t: EtlTenant) -> dict[str, list[tuple[Any, ...]]]:
    return {name: sorted(t.query(q), key=repr) for name, q in SNAPSHOT.items()}
