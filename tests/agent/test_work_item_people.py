"""A person's work items are the Jira assignee's, whose name is the Jira
user's display name ("Linus Torvalds"), not a GitHub login ("torvalds").
"What did linus work on?" looked "linus" up among the PR authors' logins
and filtered the work items by the login: on a tenant where the two
differ it found no one (the whole tenant's figure, or "no one named
Linus"). Now a work-items question's person is matched against the
assignees' names (a word of one, or the whole of one, any case), several
matching are asked about, and PR questions keep matching logins. The demo
seed spells both alike, which hid it: this tenant does not."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_common.ai import Embedder
from pulse_common.provisioning import drop_tenant
from tests.agent.conftest import ScriptedLLM, local_runtime, signed_in, use_runtime, with_llm
from tests.agent.test_local_and_memory import text_of
from tests.agent.test_open_prs import add_pr
from tests.backend.conftest import Platform, TenantInfo, provision
from tests.backend.support import add_repository, tenant_sql, wait_replica

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

# Jira display name -> (GitHub login, work items resolved in the last 90 days).
PEOPLE = {
    "Linus Torvalds": ("torvalds", 3),
    "Ada Lovelace": ("alovelace", 2),
    "Ada Byron": ("abyron", 1),
}


@pytest.fixture(scope="module")
def tenant(platform: Platform) -> Iterator[TenantInfo]:
    t = provision(platform, f"agw-{uuid.uuid4().hex[:8]}")
    api = add_repository(platform, t)
    [(project,)] = tenant_sql(
        platform,
        t.slug,
        "INSERT INTO projects (tenant_id, key, name) VALUES (:t, 'K', 'Kernel') RETURNING id",
        {"t": t.tenant_id},
    )
    now = dt.datetime.now(dt.UTC)
    number = 0
    for name, (login, resolved) in PEOPLE.items():
        for _ in range(resolved):
            number += 1
            add_pr(platform, t, api, number, login, "merged", 5)
            tenant_sql(
                platform,
                t.slug,
                "INSERT INTO work_items (tenant_id, project_id, key, summary, assignee, "
                "created, resolved_at) VALUES (:t, :p, :k, :k, :a, :c, :r)",
                {
                    "t": t.tenant_id,
                    "p": project,
                    "k": f"K-{number}",
                    "a": name,
                    "c": now - dt.timedelta(days=20),
                    "r": now - dt.timedelta(days=number),
                },
            )
    wait_replica(platform)
    yield t
    drop_tenant(platform.engine, t.slug)


@pytest.mark.parametrize(
    ("question", "person"),
    [
        ("what did linus work on?", "Linus Torvalds"),
        # Said explicitly: it was "no one named linus authored or reviewed a PR".
        ("what did Linus work on?", "Linus Torvalds"),
        ("what did torvalds work on?", "Linus Torvalds"),
        ("which work items did Ada Lovelace finish?", "Ada Lovelace"),
    ],
)
def test_a_persons_work_items_are_their_jira_assignees(
    client: TestClient,
    tenant: TenantInfo,
    embedder: Embedder,
    ask: Any,
    question: str,
    person: str,
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, tenant)
    events = ask(s, question)
    step = events[0][1]
    assert (step["tool"], step["arguments"].get("author")) == ("work_items", person), events
    resolved = PEOPLE[person][1]
    lines = text_of(events).splitlines()
    assert lines[0].startswith(f"Work items resolved assigned to {person} "), lines
    assert f": {resolved} work item" in lines[0], lines
    assert len([ln for ln in lines[1:] if ln[:1].isdigit()]) == resolved, lines


@pytest.mark.parametrize(
    ("question", "said"),
    [
        (
            "what did ada work on?",
            "“ada” could be Ada Byron or Ada Lovelace (2 people): which one do you mean?",
        ),
        ("what did Zed work on?", "no work item here is assigned to anyone named “zed”"),
    ],
)
def test_a_name_of_several_assignees_or_of_none_is_asked_back(
    client: TestClient, tenant: TenantInfo, embedder: Embedder, ask: Any, question: str, said: str
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, tenant)
    events = ask(s, question)
    assert not [e for e in events if e[0] == "step"], events
    assert said in text_of(events), events


def test_pull_request_questions_keep_matching_logins(
    client: TestClient, tenant: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, tenant)
    events = ask(s, "how many PRs did torvalds merge?")
    step = events[0][1]
    assert step["arguments"].get("author") == "torvalds", events


def test_the_models_name_for_a_person_is_resolved_to_the_assignee(
    client: TestClient, tenant: TenantInfo, llm: ScriptedLLM, ask: Any
) -> None:
    s = signed_in(client, tenant)
    with_llm(client, s, llm)
    llm.call("work_items", days=90, author="torvalds").call("work_items", days=90, author="Ada")
    llm.say("Linus resolved 3.")
    events = ask(s, "what did linus work on?")
    steps = [d["summary"] for k, d in events if k == "step"]
    assert steps[0] == "3 work items resolved assigned to Linus Torvalds over 90 days", steps
    assert steps[1] == (
        "error: “Ada” could be Ada Byron or Ada Lovelace (2 people): which one do you mean?"
    ), steps
