"""The local Jira and GitHub servers of ``make dev`` and the journey test: one
sample organisation per tenant, named as the tenant's ``spec.integrations``
name it (project keys, organisation, repositories), served over https (a
PulseTenant's ``baseUrl`` must be https) with a certificate the world's CA
signed, and the credential Secrets an admin would create for the tenant."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulse_fakes import FakeServer, GithubOrg, JiraOrg, OrgSpec, generate, serve_github, serve_jira

JIRA_EMAIL = "etl@pulse.example"


def sample_spec(integrations: list[dict[str, Any]], *, seed: int, days: int = 60) -> OrgSpec:
    """An organisation whose names match the integrations; its history starts
    ``days`` ago so that the dashboards' default periods show it."""
    jira = next((i for i in integrations if i["type"] == "jira"), {})
    github = next((i for i in integrations if i["type"] == "github"), {})
    keys = tuple(jira.get("projects", ())) or ("PRJA", "PRJB")
    repos = [r.split("/", 1) for r in github.get("repositories", ())]
    org = github.get("organization") or (repos[0][0] if repos else "acme")
    names = tuple(name for owner, name in repos if owner == org) or ("service-0", "service-1")
    start = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    return OrgSpec(
        seed=seed,
        projects=len(keys),
        project_keys=keys,
        repos=len(names),
        repo_names=names,
        org=org,
        start=start - dt.timedelta(days=days),
    )


@dataclass
class Saas:
    """A tenant's local Jira and GitHub, with the credentials they accept."""

    jira: FakeServer
    github: FakeServer
    jira_org: JiraOrg
    github_org: GithubOrg
    jira_token: str
    github_token: str

    def stop(self) -> None:
        self.jira.stop()
        self.github.stop()

    def point(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """The manifest with its integrations' base URLs on these servers."""
        out = copy.deepcopy(manifest)
        for i in out["spec"].get("integrations", []):
            i["baseUrl"] = self.jira.url if i["type"] == "jira" else self.github.url
        return out

    def secrets(self, manifest: dict[str, Any]) -> list[dict[str, Any]]:
        """The Secrets named by the integrations' ``credentialsSecretRef``."""
        ns = f"tenant-{manifest['metadata']['name']}"
        out = []
        for i in manifest["spec"].get("integrations", []):
            ref = i["credentialsSecretRef"]
            data = (
                {ref["key"]: self.jira_token, "email": JIRA_EMAIL}
                if i["type"] == "jira"
                else {ref["key"]: self.github_token}
            )
            out.append(
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "type": "Opaque",
                    "metadata": {"name": ref["name"], "namespace": ns},
                    "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
                }
            )
        return out


def tls_files(world_base: Path) -> tuple[Path, Path]:
    """The apiserver's serving certificate (SANs 127.0.0.1 and localhost,
    signed by the world's CA) also serves the local SaaS on other ports: the
    ETL trusts that CA through ``SSL_CERT_FILE``."""
    pki = world_base / "pki"
    return pki / "apiserver.crt", pki / "apiserver.key"


def ca_file(world_base: Path) -> Path:
    return world_base / "pki" / "ca.crt"


def start_saas(world_base: Path, spec: OrgSpec) -> Saas:
    """``world_base``: the folder of the world whose ETL processes sync from it."""
    jira_org, github_org = generate(spec)
    jira_token, github_token = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    tls = tls_files(world_base)
    jira = serve_jira(jira_org, email=JIRA_EMAIL, token=jira_token, tls=tls)
    try:
        github = serve_github(github_org, token=github_token, tls=tls)
    except BaseException:
        jira.stop()
        raise
    return Saas(jira, github, jira_org, github_org, jira_token, github_token)
