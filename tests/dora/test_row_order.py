"""The engineering and work-item figures do not depend on the order rows
were stored in (test_scope_and_properties.py proves it for the DORA
figures): the same PRs, reviews, work items and status changes, loaded in
three orders, give the same answer. Times sit on a coarse grid so that
ties (two merges in one hour, two reviews at one time, items created
together) are common: an answer that broke them by row id would differ."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from sqlalchemy import text

from pulse_backend.analytics.work_items import work_item_flow
from pulse_common.analytics.engineering import engineering
from pulse_common.analytics.scope import Scope
from pulse_common.dora.starts import store_pr_starts, store_work_item_starts
from tests.dora.conftest import Scenario
from tests.dora.test_work_items import Items

BASE = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
SCOPES: list[dict[str, Any]] = [{}, {"timezone": "Europe/Berlin"}, {"authors": ("ada", "cy")}]


def _at(rng: random.Random) -> dt.datetime:
    return BASE + dt.timedelta(hours=rng.randrange(30 * 24 // 6) * 6)


def _pr_world(rng: random.Random) -> list[dict[str, Any]]:
    prs = []
    for _ in range(60):
        opened = _at(rng)
        prs.append(
            {
                "repo": rng.randrange(2),
                "first_commit": opened - dt.timedelta(hours=rng.choice([0, 6, 30])),
                "opened": opened,
                "merged": opened + dt.timedelta(hours=rng.choice([6, 12, 48]))
                if rng.random() < 0.85
                else None,
                "author": rng.choice(["ada", "bob", "cy"]),
                "reviews": [
                    (rng.choice(["dee", "eve", "fay"]), opened + dt.timedelta(hours=h))
                    for h in rng.sample([0, 6, 6, 12, 24], rng.randrange(4))
                ],
                "lines": (rng.choice([0, 10, 100, 400, 1000]), rng.randrange(3)),
            }
        )
    return prs


def _load_prs(sc: Scenario, world: list[dict[str, Any]], rng: random.Random) -> None:
    repos = [sc.repo(f"r{rng.random()}") for _ in range(2)]
    for pr in rng.sample(world, len(world)):
        pid = sc.pr(
            repos[pr["repo"]],
            first_commit=pr["first_commit"],
            opened=pr["opened"],
            merged=pr["merged"],
            reviews=tuple(rng.sample(pr["reviews"], len(pr["reviews"]))),
            author=pr["author"],
        )
        sc.conn.execute(
            text("UPDATE prs SET additions = :a, deletions = :d WHERE id = :i"),
            {"a": pr["lines"][0], "d": pr["lines"][1], "i": pid},
        )
    store_pr_starts(sc.conn, list(sc.conn.execute(text("SELECT id FROM prs")).scalars()))


def _item_world(rng: random.Random) -> list[dict[str, Any]]:
    names = ["To Do", "In Progress", "In Review", "Done"]
    items = []
    for _ in range(60):
        created = _at(rng)
        # One item's changes at distinct times: the order of two changes at
        # the same instant is the source's, not a property of the data set.
        hours = sorted(rng.sample(range(1, 40), rng.randrange(4)))
        items.append(
            {
                "project": rng.randrange(2),
                "created": created,
                "moves": [(rng.choice(names), created + dt.timedelta(hours=6 * k)) for k in hours],
                "resolved": created + dt.timedelta(hours=rng.choice([24, 72, 240]))
                if rng.random() < 0.6
                else None,
                "who": rng.choice(["ada", "bob", None]),
            }
        )
    return items


def _load_items(sc: Scenario, world: list[dict[str, Any]], rng: random.Random) -> None:
    it = Items(sc)
    projects = [sc.project(f"P{rng.random()}") for _ in range(2)]
    for item in rng.sample(world, len(world)):
        it.item(
            projects[item["project"]], item["created"], item["moves"], item["resolved"], item["who"]
        )
    store_work_item_starts(sc.conn)


def _in_three_orders(sc: Scenario, load: Any, world: Any, answer: Any, seed: int) -> list[Any]:
    answers = []
    for order in range(3):
        savepoint = sc.conn.begin_nested()
        load(sc, world, random.Random(100 * seed + order))
        answers.append(answer())
        savepoint.rollback()
    return answers


@pytest.mark.parametrize("seed", [1, 2])
def test_engineering_does_not_depend_on_row_order(sc: Scenario, seed: int) -> None:
    world = _pr_world(random.Random(seed))

    def answer() -> list[str]:
        return [
            engineering(
                sc.conn, Scope(start=BASE, end=BASE + dt.timedelta(days=30), **kw)
            ).model_dump_json()
            for kw in SCOPES
        ]

    first, *others = _in_three_orders(sc, _load_prs, world, answer, seed)
    assert all(o == first for o in others)
    whole = engineering(sc.conn, Scope(start=BASE, end=BASE + dt.timedelta(days=30)))
    assert whole.merged_prs == 0  # rolled back: each order was measured alone
    assert '"merged_prs":0' not in first[0]  # and there was something to measure


@pytest.mark.parametrize("seed", [1, 2])
def test_work_item_flow_does_not_depend_on_row_order(sc: Scenario, seed: int) -> None:
    world = _item_world(random.Random(seed))

    def answer() -> list[Any]:
        out = []
        for kw in SCOPES[:2]:
            flow = work_item_flow(
                sc.conn, Scope(start=BASE, end=BASE + dt.timedelta(days=30), **kw)
            )
            # Ids and keys are the load's own: the oldest items by their figures.
            oldest = [(i.started_at, i.age_hours) for i in flow.oldest]
            out.append((flow.model_dump(exclude={"oldest"}), oldest))
        return out

    first, *others = _in_three_orders(sc, _load_items, world, answer, seed)
    assert all(o == first for o in others)
    assert first[0][0]["resolved"] > 0 and first[0][0]["wip"] > 0
