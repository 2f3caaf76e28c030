"""The questions local mode can answer without a language model: each
intent names the tool that answers it, with default arguments, the example
questions that stand for it, its topic, and the template that turns the
tool's output into the answer's text (an ``intent.Intent`` each).
``classifier.IntentClassifier`` picks the intent of a question by
embedding (the offline MiniLM); where the embedding cannot tell at all, an
intent needs words of its own (``intent_words``).

This module holds the table (``INTENTS``, in the order local mode lists
what it can answer) and the intents that belong to neither family: the
delivery intents are ``delivery_intents``', the pull-request and review
intents ``review_intents``'."""

from __future__ import annotations

from pulse_backend.agent import answers, intent_words
from pulse_backend.agent.delivery_intents import (
    CHANGE_FAILURE_RATE,
    DEPLOYMENT_FREQUENCY,
    DEPLOYMENTS_BY_REPOSITORY,
    DEPLOYMENTS_LISTED,
    INCIDENT_COUNT,
    INCIDENTS_BY_REPOSITORY,
    LEAD_TIME,
    OPEN_INCIDENTS,
    RECOVERY_TIME,
    REWORK_RATE,
)
from pulse_backend.agent.intent import Intent
from pulse_backend.agent.review_intents import (
    OPEN_PRS,
    PICKUP_TIME,
    REVIEW_LOAD,
    REVIEW_TREND,
    SLOWEST_REVIEWS,
    THROUGHPUT,
)

WORK_ITEMS_RESOLVED = Intent(
    "work_items",
    "work_items",
    {},
    (
        "how many work items did we complete?",
        "how many stories did we finish",
        "how many tickets did we close",
        "work items resolved",
        # One person's (narrowed to them; ``narrowing.ANYONE``).
        "what did ada work on",
        "which work items did ada finish",
    ),
    answers.work_items,
    "work items, stories and tickets completed or resolved",
    intent_words.WORK_ITEMS,
)

DORA_SUMMARY = Intent(
    "dora_summary",
    "dora_summary",
    {},
    (
        "how are we doing overall?",
        "summary of our DORA metrics",
        "team performance overview",
        "how healthy is our engineering delivery",
        "are we an elite team",
        "what DORA level are we at",
        "how are we trending",
        "give me an executive summary",
    ),
    answers.summary,
    "DORA metrics and delivery performance",
)

INTENTS: tuple[Intent, ...] = (
    INCIDENTS_BY_REPOSITORY,
    LEAD_TIME,
    DEPLOYMENT_FREQUENCY,
    DEPLOYMENTS_LISTED,
    CHANGE_FAILURE_RATE,
    REWORK_RATE,
    RECOVERY_TIME,
    OPEN_INCIDENTS,
    OPEN_PRS,
    SLOWEST_REVIEWS,
    REVIEW_LOAD,
    PICKUP_TIME,
    REVIEW_TREND,
    THROUGHPUT,
    INCIDENT_COUNT,
    DEPLOYMENTS_BY_REPOSITORY,
    WORK_ITEMS_RESOLVED,
    DORA_SUMMARY,
)
SEARCH = Intent("search", "search", {}, (), answers.search)
