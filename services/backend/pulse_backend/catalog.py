"""What the dashboards' pickers and drill-down links need: the tenant's
projects, repositories (with their web address), PR authors (the team
filter), work items' assignees (the work-items page's assignee filter),
the Jira address issues link to, and the DORA bands per report year (drawn
behind trend charts). Names and addresses only: no figures."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, text

from pulse_common.analytics.levels import Benchmarks

PROJECTS = "SELECT id, key, name FROM projects WHERE active ORDER BY key"
REPOSITORIES = "SELECT id, full_name, url FROM repositories WHERE active ORDER BY full_name"
# A picker of people lists at most CAP names; one more row is read to know
# whether the list was cut, which ``Catalog.capped`` then says.
CAP = 500
AUTHORS = "SELECT DISTINCT author FROM prs WHERE author IS NOT NULL ORDER BY author LIMIT :n"
# The distinct assignees (Jira display names) are a skip scan of
# ``ix_work_items_assignee``, one probe per person: a DISTINCT would read
# every work item (a million at the benchmark's size). Each step probes for
# the next name after the last, so the names come smallest first; the
# catalog's list stops after ``:n`` steps (``depth``), which makes "the
# first n names" a property of the query rather than of the order in which
# PostgreSQL happens to hand a CTE's rows out, and its ORDER BY then sorts
# those few rows, not the index (tests/db/test_people_indexes.py reads the
# plan). The agent's name lookup walks all of them (``bound`` empty).
_SKIP_SCAN = """
WITH RECURSIVE names(name, depth) AS (
    (SELECT assignee, 1 FROM work_items WHERE assignee IS NOT NULL ORDER BY assignee LIMIT 1)
    UNION ALL
    SELECT (SELECT w.assignee FROM work_items w WHERE w.assignee > n.name
            ORDER BY w.assignee LIMIT 1), n.depth + 1
    FROM names n WHERE n.name IS NOT NULL{bound}
)
"""
ASSIGNEE_NAMES = _SKIP_SCAN.format(bound="")
ASSIGNEES = (
    _SKIP_SCAN.format(bound=" AND n.depth < :n")
    + "SELECT name FROM names WHERE name IS NOT NULL ORDER BY name"
)
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
    # Jira display names, as work items are assigned (never GitHub logins).
    assignees: tuple[str, ...]
    # The lists cut at their cap, with that cap ({"assignees": 500}): the
    # picker then says that some names are not offered. Empty when none was.
    capped: dict[str, int]
    jira_url: str | None
    # "<year>:<metric>" → bands, best level first.
    bands: dict[str, tuple[BandOut, ...]]


def _names(conn: Connection, sql: str) -> tuple[tuple[str, ...], bool]:
    """The first ``CAP`` names ``sql`` lists, and whether there were more."""
    names = tuple(str(r[0]) for r in conn.execute(text(sql), {"n": CAP + 1}))
    return names[:CAP], len(names) > CAP


def catalog(conn: Connection, bench: Benchmarks) -> Catalog:
    jira = conn.execute(text(JIRA)).scalar()
    authors, authors_cut = _names(conn, AUTHORS)
    assignees, assignees_cut = _names(conn, ASSIGNEES)
    cut = {"authors": authors_cut, "assignees": assignees_cut}
    return Catalog(
        projects=tuple(
            ProjectOut(id=r.id, key=r.key, name=r.name) for r in conn.execute(text(PROJECTS))
        ),
        repositories=tuple(
            RepositoryOut(id=r.id, full_name=r.full_name, url=r.url)
            for r in conn.execute(text(REPOSITORIES))
        ),
        authors=authors,
        assignees=assignees,
        capped={name: CAP for name, was_cut in cut.items() if was_cut},
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
