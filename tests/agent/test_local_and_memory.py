"""Local mode (no language model: intents by the real MiniLM embeddings,
templated answers from the same tools) and feedback: stored in
``ai_learning_memory`` and used by later answers of the same tenant."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.agent import date_ranges, memory
from pulse_backend.agent.classifier import IntentClassifier
from pulse_backend.agent.date_ranges import DASH
from pulse_backend.agent.intents import INTENTS, SEARCH
from pulse_backend.agent.local import ZONE
from pulse_backend.agent.runtime import AgentRuntime
from pulse_backend.agent.tools import TOOLS, ToolContext
from pulse_common.ai import Embedder
from tests.agent.conftest import (
    API,
    ScriptedLLM,
    local_runtime,
    principal_of,
    signed_in,
    use_runtime,
    with_llm,
)
from tests.agent.test_tool_loop import TOP_REPOS
from tests.backend.conftest import Platform, TenantInfo, admin_session
from tests.backend.support import tenant_sql, wait_replica

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

QUESTION = "Which repositories cause most incidents?"
CORRECTION = "Only count incidents of severity critical; minor ones are noise for us."


def text_of(events: list[tuple[str, dict[str, Any]]]) -> str:
    return "".join(d["text"] for k, d in events if k == "token")


def last_90_days() -> str:
    """The default period in words, e.g. "over the last 90 days (2 Sep - 30 Nov)"."""
    return date_ranges.last_days(date_ranges.today_in(ZONE), 90).words()


def test_local_mode_answers_from_seeded_data_with_citations(
    client: TestClient, platform: Platform, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    # Worded unlike the intent's exemplars: the embedding, not a keyword, matches.
    events = ask(s, "Where do most of our production outages originate, by repo?")
    assert events[0][0] == "step" and events[-1][0] == "done"
    assert events[0][1]["tool"] == "incidents_by_repository"
    assert events[-1][1] == {
        "message_id": events[-1][1]["message_id"],
        "mode": "local",
        "provider": None,
    }
    expected = tenant_sql(platform, demo.slug, TOP_REPOS)
    answer = text_of(events)
    first_line = answer.splitlines()[1]
    assert first_line == f"1. {expected[0].full_name}: {expected[0].incidents} incidents"
    repos = [d for k, d in events if k == "citation" and d["type"] == "repository"]
    assert [c["id"] for c in repos] == [r.id for r in expected[:5]]
    assert [c["url"] for c in repos] == [r.url for r in expected[:5]]


def test_the_local_mode_is_said_by_the_typed_field_not_the_text(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    """The web page says "Answered in local mode" below the answer from the
    typed ``mode`` (the ``done`` event, the stored message): the answer's
    text saying it too made the user read it twice."""
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    conversation = client.post(f"{API}/conversations", headers=s.headers).json()["id"]
    events = ask(s, "How often do we deploy?", conversation)
    assert events[-1][0] == "done" and events[-1][1]["mode"] == "local"
    answer = text_of(events)
    assert answer.startswith("Deployment frequency ")
    assert "local mode" not in answer and "language model" not in answer
    r = client.get(f"{API}/conversations/{conversation}", headers=s.headers)
    assert r.status_code == 200, r.text
    stored = r.json()["messages"][-1]
    assert (stored["role"], stored["mode"], stored["content"]) == ("assistant", "local", answer)


def test_a_tenant_without_ai_provider_is_answered_locally(
    client: TestClient, make_tenant: Any, embedder: Embedder, ask: Any
) -> None:
    # The default runtime: the tenant's providers decide, and it has none.
    use_runtime(client, AgentRuntime(make_embedder=lambda: embedder))
    s = admin_session(client, make_tenant("agl"))
    events = ask(s, "How often do we deploy?")
    assert events[0][1]["tool"] == "dora_metric"
    assert events[-1][1]["mode"] == "local" and events[-1][1]["provider"] is None
    assert "no data" in text_of(events)


def test_local_mode_classifies_other_intents(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    events = ask(s, "Why has the time from commit to production gone up?")
    assert events[0][1]["tool"] == "dora_metric"
    assert events[0][1]["arguments"]["metric"] == "lead_time"
    cites = [d for k, d in events if k == "citation"]
    assert cites and all(c["type"] == "pr" and "/pull/" in c["url"] for c in cites)
    # Worded for people: the metric's name, not its id (nor in the step line).
    assert text_of(events).startswith(f"Lead time for changes {last_90_days()}:")
    assert events[0][1]["summary"].startswith("Lead time for changes: ")


def test_local_mode_names_metrics_and_units_in_words(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    events = ask(s, "How often do we deploy?")
    assert events[0][1]["arguments"]["metric"] == "deployment_frequency"
    answer = text_of(events)
    # As the dashboard's tile reads it ("4.0 / week"), and the count.
    assert re.match(
        rf"Deployment frequency {re.escape(last_90_days())}: \d+\.\d / (week|day) "
        r"\(from [\d,]+ deployments\)\.",
        answer,
    ), answer
    assert "deployment_frequency" not in answer and "per_day" not in answer
    events = ask(s, "How are we doing overall?")
    assert events[0][1]["tool"] == "dora_summary"
    answer = text_of(events)
    assert "- Lead time for changes: " in answer and "- Rework rate: " in answer
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", answer), answer


def test_a_zero_deployment_frequency_is_explained_beside_its_deployments(
    client: TestClient, demo: TenantInfo
) -> None:
    """A 90-day window whose deployments all fall in its last weeks: the
    median month had no deployment day, so the figure is 0 while the rows
    behind it (cited) are deployments. The answer says both, as the
    dashboard does, never a bare "0.00 per day"."""
    app: Any = client.app
    ctx = ToolContext(app.state.clients, principal_of(demo))
    end = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=70)
    args = {"metric": "deployment_frequency", "days": 90, "end": end.isoformat()}
    out = TOOLS["dora_metric"].run(ctx, args)
    assert out.data["value"] == 0 and out.data["sample_size"] > 0 and out.citations
    n = out.data["sample_size"]
    assert out.summary == (
        f"Deployment frequency: 0.0 / week over 90 days (from {n:,} "
        "deployments); most months in this period had no deployment day (the median month "
        "counts)"
    ), out.summary
    [intent] = [i for i in INTENTS if i.name == "deployment_frequency"]
    when = date_ranges.last_days(end, 90).words()
    answer = intent.render(out, when)
    assert "0.00" not in answer and "per day" not in answer
    assert answer.startswith(f"Deployment frequency {when}: 0.0 / week")
    assert f"from {n:,} deployments" in answer and "no deployment day" in answer


OUTSIDE_THE_DATA = [
    "How often do we frobnicate?",
    "how often do we play football?",
    "how many blorps were released?",
    "what is our frobnication rate",
    "what share of frobs fail?",
    "what is our revenue?",
    "and last month?",
]
ABOUT_THE_DATA = {
    "Where do most of our production outages originate, by repo?": "incidents_by_repository",
    "Why has the time from commit to production gone up?": "lead_time",
    "how often do we ship to prod": "deployment_frequency",
    "lead time": "lead_time",
    "incidents last week": "recovery_time",
    "how are we doing?": "dora_summary",
    "what's our change failure rate this quarter?": "change_failure_rate",
}


def test_a_question_shaped_like_an_intent_is_not_one_without_its_topic(
    embedder: Embedder,
) -> None:
    classifier = IntentClassifier(embedder)
    for question in OUTSIDE_THE_DATA:
        assert classifier.classify(question)[0] is SEARCH, question
    for question, intent in ABOUT_THE_DATA.items():
        assert classifier.classify(question)[0].name == intent, question


def test_a_question_about_nothing_in_the_data_says_so_and_what_it_can_answer(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    events = ask(s, "How often do we frobnicate?")
    assert events[0][1]["tool"] == "search"
    assert not [d for k, d in events if k == "citation"]
    answer = text_of(events)
    assert answer.startswith("I found nothing relevant to “How often do we frobnicate?”"), answer
    assert "- How often do we deploy?" in answer and "- Why did lead time rise?" in answer
    assert "Deployment frequency" not in answer


def test_a_follow_up_is_read_with_the_previous_question(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    """ "and last month?" alone is no intent and finds nothing: it is read
    with the question before it instead of searched for literally, and
    answers that question for its own period (last month, not 90 days)."""
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    r = client.post(f"{API}/conversations", headers=s.headers)
    conversation = r.json()["id"]
    ask(s, "How often do we deploy?", conversation)
    events = ask(s, "and last month?", conversation)
    step = events[0][1]
    assert step["tool"] == "dora_metric" and step["arguments"]["metric"] == "deployment_frequency"
    first, last = previous_month(date_ranges.today_in(ZONE))
    assert (step["arguments"]["days"], step["arguments"]["end"]) == (
        (last - first).days + 1,
        last.isoformat(),
    )
    answer = text_of(events)
    assert answer.startswith(
        "Read as a follow-up to “How often do we deploy?”:\n"
        f"Deployment frequency in {first:%B} {first.year} ({first.day} {first:%b} {DASH} "
        f"{last.day} {last:%b}): "
    ), answer
    assert "90 days" not in answer
    # A new conversation has no context: the same words find nothing.
    alone = ask(s, "and last month?")
    assert alone[0][1]["tool"] == "search"
    assert text_of(alone).startswith("I found nothing relevant")


def previous_month(today: dt.date) -> tuple[dt.date, dt.date]:
    last = today.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


def test_a_failing_model_falls_back_to_local_mode(
    client: TestClient, demo: TenantInfo, embedder: Embedder, llm: ScriptedLLM, ask: Any
) -> None:
    s = signed_in(client, demo)
    with_llm(client, s, llm, make_embedder=lambda: embedder)
    llm.fail(500)
    events = ask(s, QUESTION)
    assert events[-1][1]["mode"] == "local" and events[-1][1]["provider"] is None
    assert events[0][1]["tool"] == "incidents_by_repository"


def test_feedback_is_stored_and_changes_a_later_answer(
    client: TestClient, platform: Platform, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    before = ask(s, QUESTION)
    assert CORRECTION not in text_of(before)
    message_id = before[-1][1]["message_id"]

    r = client.post(
        f"{API}/messages/{message_id}/feedback",
        json={"rating": "down", "correction": CORRECTION},
        headers=s.headers,
    )
    assert r.status_code == 201, r.text
    row = tenant_sql(
        platform,
        demo.slug,
        "SELECT kind, user_intent, original_answer, user_feedback, corrected_answer, context "
        "FROM ai_learning_memory WHERE id = :id",
        {"id": r.json()["memory_id"]},
    )[0]
    assert row.kind == "assistant_feedback" and row.user_intent == QUESTION
    assert row.original_answer == text_of(before) and row.user_feedback == "down"
    assert row.corrected_answer == CORRECTION
    assert row.context["message_id"] == message_id and row.context["user_id"] == s.user_id
    wait_replica(platform)

    after = ask(s, "which repositories cause the most incidents")
    assert CORRECTION in text_of(after)
    unrelated = ask(s, "How often do we deploy?")
    assert CORRECTION not in text_of(unrelated)


def test_a_correction_reaches_the_models_prompt(
    client: TestClient, platform: Platform, demo: TenantInfo, llm: ScriptedLLM, ask: Any
) -> None:
    s = signed_in(client, demo)
    with_llm(client, s, llm)
    correction = "Always report lead time in days, never in hours."
    llm.say("Lead time is 30 hours.")
    done = ask(s, "What is our lead time for changes?")[-1][1]
    r = client.post(
        f"{API}/messages/{done['message_id']}/feedback",
        json={"rating": "down", "correction": correction},
        headers=s.headers,
    )
    assert r.status_code == 201
    wait_replica(platform)
    assert correction not in llm.requests[0]["messages"][0]["content"]
    llm.say("Lead time is 1.25 days.")
    ask(s, "what is our lead time for changes this quarter?")
    system = llm.requests[1]["messages"][0]
    assert system["role"] == "system" and correction in system["content"]


def test_feedback_is_validated(
    client: TestClient, demo: TenantInfo, llm: ScriptedLLM, ask: Any
) -> None:
    s = signed_in(client, demo)
    with_llm(client, s, llm)
    llm.say("ok")
    message_id = ask(s, "hello")[-1][1]["message_id"]
    url = f"{API}/messages/{message_id}/feedback"
    r = client.post(url, json={"rating": "meh"}, headers=s.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rating"
    r = client.post(url, json={"rating": "up", "correction": ""}, headers=s.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "correction"
    r = client.post(f"{API}/messages/nope/feedback", json={"rating": "up"}, headers=s.headers)
    assert r.status_code == 404 and r.json()["code"] == "message_not_found"
    assert client.post(url, json={"rating": "up"}, headers=s.headers).status_code == 201


def test_a_paraphrase_with_no_shared_word_finds_the_correction(
    client: TestClient, platform: Platform, make_tenant: Any, embedder: Embedder, ask: Any
) -> None:
    asked, paraphrase = "How often do we deploy?", "What is our deployment frequency?"
    assert not set(re.findall(r"\w+", asked.lower())) & set(re.findall(r"\w+", paraphrase.lower()))
    correction = "Count only production deployments; staging runs are not releases."
    use_runtime(client, local_runtime(embedder))
    s = admin_session(client, make_tenant("agm"))
    message_id = ask(s, asked)[-1][1]["message_id"]
    r = client.post(
        f"{API}/messages/{message_id}/feedback",
        json={"rating": "down", "correction": correction},
        headers=s.headers,
    )
    assert r.status_code == 201, r.text
    wait_replica(platform)
    assert correction in text_of(ask(s, paraphrase))
    # Same tenant, another question: the correction stays out.
    assert correction not in text_of(ask(s, "Which repositories cause most incidents?"))


def test_the_threshold_separates_paraphrases_from_other_questions(embedder: Embedder) -> None:
    same, reworded, other_data, unrelated = memory.similarities(
        embedder,
        "How often do we deploy?",
        [
            "how often do we deploy to production",
            "What is our deployment frequency?",
            "What is our change failure rate?",
            "Which repositories cause most incidents?",
        ],
    )
    assert same > reworded >= memory.MIN_SIMILARITY
    assert other_data < memory.MIN_SIMILARITY and unrelated < memory.MIN_SIMILARITY
