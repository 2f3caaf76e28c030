"""What the dashboards' pickers and drill-down links need: the tenant's
projects, repositories (with their web address), PR authors (the team
filter), the Jira address issues link to, and the DORA bands per report
year (drawn behind trend charts). Names and addresses only: no figures."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, text

from pulse_common.analytics.levels import Benchmarks

PROJECTS = "SELECT id, key, name FROM projects WHERE active ORDER BY key"
REPOSITORIES = "SELECT id, full_name, url FROM repositories WHERE active ORDER BY full_name"
AUTHORS = "SELECT DISTINCT author FROM prs WHERE author IS NOT NULL ORDER BY author LIMIT 500"
JIRA = (
    "SELECT base_url FROM integrations WHERE provider = 'jira' AND base_url IS NOT NULL"
    " AND active ORDER BY id LIMIT 1"
)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class ProjectOut(_Out):
    id: int
    key: str
    name: str


class RepositoryOut(_Out):
    id: int
    full_name: str
    url: str | None


class BandOut(_Out):
    level: str
    lower: float | None
    upper: float | None
    unit: str
    description: str


class Catalog(_Out):
    projects: tuple[ProjectOut, ...]
    repositories: tuple[RepositoryOut, ...]
    authors: tuple[str, ...]
    jira_url: str | None
    # "<year>:<metric>" → bands, best level first.
    bands: dict[str, tuple[BandOut, ...]]


def catalog(conn: Connection, bench: Benchmarks) -> Catalog:
    jira = conn.execute(text(JIRA)).scalar()
    return Catalog(
        projects=tuple(
            ProjectOut(id=r.id, key=r.key, name=r.name) for r in conn.execute(text(PROJECTS))
        ),
        repositories=tuple(
            RepositoryOut(id=r.id, full_name=r.full_name, url=r.url)
            for r in conn.execute(text(REPOSITORIES))
        ),
        authors=tuple(r.author for r in conn.execute(text(AUTHORS))),
        jira_url=str(jira).rstrip("/") if jira else None,
        bands={
            key: tuple(
                BandOut(
                    level=b.level.value,
                    lower=None if b.lower is None else float(b.lower),
                    upper=None if b.upper is None else float(b.upper),
                    unit=b.unit,
                    description=b.description,
                )
                for b in bands
            )
            for key, bands in bench.bands.items()
        },
    )
