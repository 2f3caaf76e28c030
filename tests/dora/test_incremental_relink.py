"""An incremental relink (what changed since the last one, ``dora.changes``)
stores exactly what a full relink stores, after each kind of change a load
or an admin makes, and after random small loads."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from pulse_common.dora.link import relink
from pulse_common.dora.settings import DoraRules
from tests.dora.conftest import Scenario, h

# Every row relink derives, by table.
DERIVED = {
    "work_items": "SELECT id, derived_started_at FROM work_items",
    "prs": "SELECT id, derived_first_commit_at, derived_first_review_at, is_hotfix, is_revert "
    "FROM prs",
    "deployments_commits": "SELECT deployment_id, commit_id FROM deployments_commits",
    "deployments_prs": "SELECT deployment_id, pr_id, is_first FROM deployments_prs",
    "incidents_deployments": "SELECT incident_id, deployment_id, link_method "
    "FROM incidents_deployments",
    "deployments": "SELECT id, repository_id, commit_sha, source FROM deployments",
    "incidents": "SELECT id, external_id, work_item_id FROM incidents",
}


def derived(sc: Scenario) -> dict[str, list[tuple[Any, ...]]]:
    return {name: sorted(sc.rows(sql), key=repr) for name, sql in DERIVED.items()}


def status(sc: Scenario, name: str) -> int:
    return int(
        sc.conn.execute(text("SELECT id FROM statuses WHERE name = :n"), {"n": name}).scalar_one()
    )


_MOVES = itertools.count()


def move(sc: Scenario, item: int, to: str, at: dt.datetime) -> None:
    sc.conn.execute(
        text(
            "INSERT INTO changelogs (tenant_id, work_item_id, external_id, to_status_id, "
            "transitioned_at) VALUES (:t, :w, :x, :s, :at)"
        ),
        {
            "t": sc.tenant_id,
            "w": item,
            "x": f"move-{next(_MOVES)}",
            "s": status(sc, to),
            "at": at,
        },
    )


class World:
    """Two repositories whose merged PRs are each deployed to production (the
    web's last deployment's head commit is not loaded), an incident, and work
    items with their moves."""

    def __init__(self, sc: Scenario) -> None:
        self.sc = sc
        self.api, self.web = sc.repo("api"), sc.repo("web")
        self.project = sc.project("P", self.api)
        self.items = [sc.work_item(self.project, "Story") for _ in range(3)]
        for n, item in enumerate(self.items):
            move(sc, item, "In Progress", h(2 + n))
            move(sc, item, "Done", h(20 + n))
        self.prs: list[int] = []
        self.hour = 0.0
        for repo in (self.api, self.web):
            for _ in range(3):
                self.merge_and_deploy(repo)
        # A deployment whose head commit is not loaded yet.
        self.hour += 0.5
        self.unloaded = f"{'f' * 39}0"
        sc.deploy(self.web, self.unloaded, h(self.hour))
        self.incident = sc.incident(h(self.hour + 1), h(self.hour + 2), project=self.project)

    def merge(self, repo: int, **kw: Any) -> int:
        self.hour += 1
        pr = self.sc.pr(
            repo,
            first_commit=h(self.hour - 0.5),
            opened=h(self.hour - 0.4),
            merged=h(self.hour),
            reviews=(("bob", h(self.hour - 0.2)),),
            **kw,
        )
        self.prs.append(pr)
        return pr

    def merge_and_deploy(self, repo: int, env: str = "production") -> int:
        pr = self.merge(repo)
        self.hour += 0.5
        return self.sc.deploy(repo, self.sc.sha_of(pr), h(self.hour), env=env)


def _new_changelog(w: World) -> None:
    move(w.sc, w.items[0], "In Review", h(1))  # earlier, and in progress: a new start


def _new_work_item(w: World) -> None:
    item = w.sc.work_item(w.project, "Bug")
    move(w.sc, item, "In Progress", h(5))


def _recategorised_status(w: World) -> None:
    w.sc.conn.execute(text("UPDATE statuses SET category = 'done' WHERE name = 'In Progress'"))


def _new_commit_pr_and_deployment(w: World) -> None:
    w.merge_and_deploy(w.api)


def _new_staging_deployment(w: World) -> None:
    w.merge_and_deploy(w.web, env="staging")


def _rollback(w: World) -> None:
    w.hour += 1
    w.sc.deploy(w.api, w.sc.sha_of(w.prs[0]), h(w.hour))


def _deleted_deployment(w: World) -> None:
    """The api's second deployment goes: the next one's range takes its commits."""
    w.sc.conn.execute(
        text(
            "DELETE FROM deployments WHERE id = (SELECT id FROM deployments "
            "WHERE repository_id = :r ORDER BY finished_at, id OFFSET 1 LIMIT 1)"
        ),
        {"r": w.api},
    )


def _late_commit(w: World) -> None:
    """A default-branch commit between the api's first two heads."""
    w.sc.commit(w.api, f"late{next(_MOVES):036d}", h(1.2))


def _late_deployment(w: World) -> None:
    """A deployment of the api's second PR, loaded after later ones."""
    w.sc.deploy(w.api, w.sc.sha_of(w.prs[1]), h(2.2))


def _moved_commit(w: World) -> None:
    """The api's second merge commit now dates from before the first head."""
    w.sc.conn.execute(
        text("UPDATE commits SET committed_at = committed_at - interval '2 hours' WHERE sha = :s"),
        {"s": w.sc.sha_of(w.prs[1])},
    )


def _head_loaded(w: World) -> None:
    w.sc.conn.execute(
        text(
            "INSERT INTO commits (tenant_id, repository_id, sha, authored_at, committed_at) "
            "VALUES (:t, :r, :s, :at, :at) ON CONFLICT DO NOTHING"
        ),
        {"t": w.sc.tenant_id, "r": w.web, "s": w.unloaded, "at": h(w.hour)},
    )


def _failed_deployment(w: World) -> None:
    """The api's second deployment turns out failed."""
    w.sc.conn.execute(
        text(
            "UPDATE deployments SET status = 'failure' WHERE id = (SELECT id FROM deployments "
            "WHERE repository_id = :r AND status = 'success' ORDER BY finished_at, id "
            "OFFSET 1 LIMIT 1)"
        ),
        {"r": w.api},
    )


def _renamed_pr(w: World) -> None:
    w.sc.conn.execute(text("UPDATE prs SET title = 'Hotfix: login' WHERE id = :p"), {"p": w.prs[1]})


def _new_review(w: World) -> None:
    w.sc.conn.execute(
        text(
            "INSERT INTO prs_reviews (tenant_id, pr_id, external_id, reviewer, state, "
            "submitted_at) VALUES (:t, :p, :x, 'cy', 'commented', :at)"
        ),
        {"t": w.sc.tenant_id, "p": w.prs[2], "x": f"early-{next(_MOVES)}", "at": h(0)},
    )


def _new_incident(w: World) -> None:
    w.sc.incident(h(w.hour + 3), None, repo=w.web)


def _mapped_repository(w: World) -> None:
    """Maps the web repository to the project, or unmaps it."""
    params = {"t": w.sc.tenant_id, "p": w.project, "r": w.web}
    gone = w.sc.conn.execute(
        text("DELETE FROM projects_repositories WHERE project_id = :p AND repository_id = :r"),
        params,
    ).rowcount
    if not gone:
        w.sc.conn.execute(
            text(
                "INSERT INTO projects_repositories (tenant_id, project_id, repository_id) "
                "VALUES (:t, :p, :r)"
            ),
            params,
        )


def _manual_link(w: World) -> None:
    """An admin attributes the incident by hand to another deployment than
    the rule's, whose link must then go."""
    w.sc.conn.execute(
        text(
            "INSERT INTO incidents_deployments (tenant_id, incident_id, deployment_id, "
            "link_method) SELECT :t, :i, d.id, 'manual' FROM deployments d "
            "WHERE d.id NOT IN (SELECT deployment_id FROM incidents_deployments "
            "WHERE incident_id = :i) ORDER BY d.id LIMIT 1"
        ),
        {"t": w.sc.tenant_id, "i": w.incident},
    )


CHANGES: dict[str, Callable[[World], None]] = {
    "new changelog": _new_changelog,
    "new work item": _new_work_item,
    "recategorised status": _recategorised_status,
    "new commit, PR and deployment": _new_commit_pr_and_deployment,
    "new staging deployment": _new_staging_deployment,
    "rollback": _rollback,
    "late commit": _late_commit,
    "late deployment": _late_deployment,
    "moved commit": _moved_commit,
    "head loaded": _head_loaded,
    "failed deployment": _failed_deployment,
    "deleted deployment": _deleted_deployment,
    "renamed PR": _renamed_pr,
    "new review": _new_review,
    "new incident": _new_incident,
    "mapped repository": _mapped_repository,
    "manual link": _manual_link,
}


def _same_as_full(sc: Scenario) -> dict[str, list[tuple[Any, ...]]]:
    """What the incremental relink stored, checked against a full one."""
    incremental = derived(sc)
    relink(sc.conn, sc.tenant_id, sc.rules, full=True)
    assert derived(sc) == incremental
    return incremental


@pytest.mark.parametrize("change", list(CHANGES))
def test_an_incremental_relink_stores_what_a_full_one_stores(sc: Scenario, change: str) -> None:
    w = World(sc)
    assert sc.link().full  # the tenant's first relink
    before = derived(sc)
    assert not sc.link().full
    assert derived(sc) == before  # nothing changed: nothing moves

    CHANGES[change](w)
    report = sc.link()
    assert not report.full
    after = _same_as_full(sc)
    assert after != before  # the change moved something derived
    assert relink(sc.conn, sc.tenant_id, sc.rules) == report  # and the report is the tenant's


def test_changed_rules_relink_everything(sc: Scenario) -> None:
    w = World(sc)
    w.merge_and_deploy(w.web, env="staging")
    sc.link()
    sc.conn.execute(text("UPDATE prs SET title = 'Revert \"x\"' WHERE id = :p"), {"p": w.prs[0]})
    before = derived(sc)
    assert sc.link(DoraRules(production_pattern="^(staging|production)$", revert_pattern="^x")).full
    after = _same_as_full(sc)
    assert after["deployments_prs"] != before["deployments_prs"]
    assert not sc.link().full  # the same rules again: only what changed


@pytest.mark.parametrize("seed", range(5))
def test_random_small_loads(sc: Scenario, seed: int) -> None:
    """Rounds of one to three random changes, each relinked incrementally
    and checked against a full relink."""
    w = World(sc)
    sc.link()
    rng = random.Random(seed)
    names = sorted(CHANGES)
    for _ in range(12):
        for name in rng.sample(names, rng.randint(1, 3)):
            CHANGES[name](w)
        assert not sc.link().full
        _same_as_full(sc)


def test_fallback_deployments_follow_incrementally(sc: Scenario) -> None:
    """Under the default-branch-merges fallback, a repository without real
    deployments gets one per merge, until its first real one."""
    w = World(sc)
    lib = sc.repo("lib")
    rules = DoraRules(deployment_fallback="default_branch_merges")
    w.merge(lib)
    assert sc.link(rules).full
    w.merge(lib)
    assert sc.link().fallback_deployments == 1
    _same_as_full(sc)
    w.merge_and_deploy(lib)
    assert not sc.link().full
    after = _same_as_full(sc)
    assert any(source == "deployment" for _, repo, _, source in after["deployments"] if repo == lib)


def test_relink_leaves_the_callers_jit_setting(sc: Scenario) -> None:
    """Relink runs without JIT and gives the transaction its setting back."""
    World(sc)
    for setting in ("on", "off"):
        sc.conn.execute(text(f"SET LOCAL jit = {setting}"))
        sc.link()
        assert sc.rows("SELECT current_setting('jit')") == [(setting,)]
