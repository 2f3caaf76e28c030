"""Local mode's routing as a table: phrasings a user would type, each with
the intent they expect it answered by, read as local mode reads them (the
period's words left out first). Every local intent is covered, and so are
the overlaps that share words: review time against lead time ("slowest
pull requests"), incidents by repository against recovery time
("incidents"), deployment frequency against change failure rate
("deployments"), incidents still open against both ("unresolved outages"),
PRs still open against review time ("PRs waiting for review" against
"PRs that waited longest for a review") and open incidents ("still open");
the engineering flow's pickup time against review time and open PRs ("how
long until a PR gets its first review?" against "which PRs are waiting
for their first review?"), its throughput against open PRs ("merged" against
"not merged yet"), whether review time got better against review time
itself; how many incidents there were against recovery time and open
incidents; the repositories that deploy most against deployment frequency
and the repositories with most incidents. Questions about nothing in the
data are searched for."""

from __future__ import annotations

import datetime as dt

import pytest

from pulse_backend.agent.classifier import IntentClassifier
from pulse_backend.agent.intents import INTENTS, SEARCH
from pulse_backend.agent.local import route
from pulse_backend.agent.narrowing import as_anyone
from pulse_common.ai import Embedder

TODAY = dt.date(2026, 11, 30)

TABLE: list[tuple[str, str]] = [
    # Review time: the PRs longest in review and who reviewed them.
    ("Who reviewed the slowest pull requests?", "slowest_reviews"),
    ("who reviewed the PRs that took longest", "slowest_reviews"),
    ("slowest reviews and their reviewers last month", "slowest_reviews"),
    ("Which PRs waited longest for a review?", "slowest_reviews"),
    ("How long do code reviews take?", "slowest_reviews"),
    ("Who were the reviewers on our slowest PRs?", "slowest_reviews"),
    ("What PRs got stuck in review this quarter?", "slowest_reviews"),
    ("which code reviews dragged on", "slowest_reviews"),
    ("which PRs sat in review the longest", "slowest_reviews"),
    # Review load: who reviews how many.
    ("Who reviews the most?", "review_load"),
    ("review load", "review_load"),
    ("How many PRs did each reviewer review?", "review_load"),
    ("Which reviewer is the busiest?", "review_load"),
    ("who does most of the reviewing", "review_load"),
    ("How are reviews distributed among the team?", "review_load"),
    # Who responds to reviews fastest is the review load's median first
    # response (not: the PRs longest in review, above).
    ("Who picks up reviews the fastest?", "review_load"),
    ("who reviews quickest?", "review_load"),
    ("Which reviewer responds fastest?", "review_load"),
    ("who is the fastest reviewer", "review_load"),
    # Lead time: commit to production, "slowest to ship" included.
    ("how long from commit to production", "lead_time"),
    ("time for a change to get to prod", "lead_time"),
    ("how long until a fix reaches production", "lead_time"),
    ("lead time last quarter", "lead_time"),
    ("Which pull requests were slowest to ship?", "lead_time"),
    ("Which PRs took longest to reach production?", "lead_time"),
    ("how long does a PR take to get deployed", "lead_time"),
    ("time from first commit to deploy", "lead_time"),
    ("What's the time from merge to production?", "lead_time"),
    # Deployments counted are deployment frequency; failed ones are not.
    ("How often do we deploy?", "deployment_frequency"),
    ("How many deployments did we do last month?", "deployment_frequency"),
    ("number of deployments", "deployment_frequency"),
    ("How many times did we release to production?", "deployment_frequency"),
    ("release cadence", "deployment_frequency"),
    ("how many times did we ship last week", "deployment_frequency"),
    ("how many releases shipped this month", "deployment_frequency"),
    ("How many deployments failed?", "failed_deployments"),
    ("What percentage of releases caused an incident?", "change_failure_rate"),
    ("what fraction of our deployments broke something", "change_failure_rate"),
    ("What is our change failure rate this quarter?", "change_failure_rate"),
    # Incidents: where they come from, against how long they took.
    ("Which repositories cause the most incidents?", "incidents_by_repository"),
    ("which repo had the most incidents", "incidents_by_repository"),
    ("Which services break most often?", "incidents_by_repository"),
    ("Which repository has the most outages?", "incidents_by_repository"),
    ("How long does it take us to restore service after an incident?", "recovery_time"),
    ("mean time to recovery", "recovery_time"),
    ("MTTR last month", "recovery_time"),
    ("Which incidents took longest to resolve?", "recovery_time"),
    ("How fast do we fix production incidents?", "recovery_time"),
    ("How long do outages last?", "recovery_time"),
    # Incidents still open: asked as such, or after a question about incidents
    # (not: how long they last, which is recovery time, above).
    ("Which incidents are still open?", "open_incidents"),
    ("What outages are unresolved?", "open_incidents"),
    ("Are there incidents nobody has closed?", "open_incidents"),
    ("Any outages we haven't resolved yet?", "open_incidents"),
    ("What incidents are open right now?", "open_incidents"),
    ("show me incidents that are still ongoing", "open_incidents"),
    ("And which of those are still open?", "open_incidents"),
    # Pull requests still open: asked as open, not merged yet, waiting for
    # review or stale (not: the PRs that waited longest, which is review
    # time, above), in a repository or by an author.
    ("Which pull requests are still open?", "open_prs"),
    ("Which PRs are still open?", "open_prs"),
    ("open PRs", "open_prs"),
    ("list the open pull requests", "open_prs"),
    ("How many PRs are open right now?", "open_prs"),
    ("PRs still open", "open_prs"),
    ("What PRs are open in demo/api?", "open_prs"),
    ("open PRs by ada", "open_prs"),
    ("which pull requests haven't been merged", "open_prs"),
    ("which pull requests haven't been merged yet?", "open_prs"),
    ("unmerged pull requests", "open_prs"),
    ("PRs waiting for review", "open_prs"),
    ("Which PRs are waiting for review?", "open_prs"),
    ("Which PRs has nobody reviewed yet?", "open_prs"),
    ("What is pending in code review?", "open_prs"),
    ("stale pull requests", "open_prs"),
    ("Show me stale PRs", "open_prs"),
    ("Which PRs are stuck?", "open_prs"),
    # Pickup time: from opening to the first review (not: which PRs wait
    # for one now, open PRs, nor which waited longest, review time).
    ("How long until a PR gets its first review?", "pickup_time"),
    ("how long before someone picks up a PR?", "pickup_time"),
    ("What is our pickup time?", "pickup_time"),
    ("How long do PRs wait for a first review?", "pickup_time"),
    ("How long does it take for someone to start reviewing a PR?", "pickup_time"),
    ("How long does it take before a PR is picked up?", "pickup_time"),
    ("time to first review last month", "pickup_time"),
    ("is our pickup time getting worse?", "pickup_time"),
    ("Which PRs are waiting for their first review?", "open_prs"),
    ("PRs nobody has picked up yet", "open_prs"),
    # Whether review time got better (not: how long reviews take, above).
    ("Is our review time getting better?", "review_trend"),
    ("Are code reviews getting faster?", "review_trend"),
    ("Has review time improved compared to last quarter?", "review_trend"),
    ("How has our code review time changed compared to last month?", "review_trend"),
    ("review time trend", "review_trend"),
    ("Are reviews getting slower?", "review_trend"),
    # Throughput: PRs merged (not: those not merged yet, open PRs).
    ("How many PRs did we merge last month?", "throughput"),
    ("What is our PR throughput?", "throughput"),
    ("How many pull requests were merged per week?", "throughput"),
    ("how many PRs got merged this quarter", "throughput"),
    ("PRs merged last week", "throughput"),
    ("how many PRs were merged in web?", "throughput"),
    ("how many PRs haven't been merged yet?", "open_prs"),
    ("How many PRs are open?", "open_prs"),
    # How many incidents there were (not: how many are still open).
    ("How many incidents did we have last month?", "incident_count"),
    ("number of incidents this quarter", "incident_count"),
    ("How many outages did we have?", "incident_count"),
    ("how many sev1 incidents did we have", "incident_count"),
    ("how many incidents are still open?", "open_incidents"),
    # The repositories that deploy most (not: where incidents come from).
    ("Which repository deploys the most?", "deployments_by_repository"),
    ("which repo ships most often", "deployments_by_repository"),
    ("Which services do we deploy most?", "deployments_by_repository"),
    ("deployments per repository", "deployments_by_repository"),
    ("Which repos deploy most frequently?", "deployments_by_repository"),
    ("which service has the most deployments", "deployments_by_repository"),
    # The same ranking the other way round ("at least" is a threshold).
    ("Which repo deploys least?", "repositories_deploying_least"),
    ("which services do we deploy least often", "repositories_deploying_least"),
    ("which repository has the fewest deployments", "repositories_deploying_least"),
    ("Which repos have deployed at least once?", "deployments_by_repository"),
    # The whole picture.
    ("How are we doing overall?", "dora_summary"),
    ("give me a DORA summary for last month", "dora_summary"),
    ("How is the team performing?", "dora_summary"),
    ("Give me an overview of our metrics", "dora_summary"),
    # Nothing the figures answer: searched for.
    ("checkout fails after the upgrade", SEARCH.name),
    ("How often do we play football?", SEARCH.name),
    ("What is our revenue?", SEARCH.name),
    # Questions about PRs no tool answers are searched for, not given review
    # load or lead time (review intents need a word of reviewing, lead time
    # one of time); how long PRs stay open until merged is lead time.
    ("Who opened the most pull requests?", SEARCH.name),
    ("What are our biggest pull requests?", SEARCH.name),
    ("How long are PRs open before they get merged?", "lead_time"),
    # Whether a DORA metric got better: against the previous period (not:
    # the figure alone, above; "change" in "change failure rate" asks no change).
    ("Is our lead time getting better?", "lead_time_trend"),
    ("has our lead time improved?", "lead_time_trend"),
    (
        "is time from commit to production getting longer or shorter compared to before?",
        "lead_time_trend",
    ),
    ("has our change failure rate improved?", "change_failure_rate_trend"),
    ("is our change failure rate getting worse?", "change_failure_rate_trend"),
    ("are we deploying more often than last quarter?", "deployment_frequency_trend"),
    ("are we deploying more often?", "deployment_frequency_trend"),
    ("is recovery getting faster?", "recovery_time_trend"),
    ("has our MTTR improved compared to last month?", "recovery_time_trend"),
    ("What is our lead time?", "lead_time"),
    ("what is our deployment frequency", "deployment_frequency"),
    ("what is our recovery time?", "recovery_time"),
    # A manager's own words (agent23): how long PRs wait for review is
    # pickup time; time to merge is lead time, not the throughput; who is
    # waiting, or what is stuck, now is open PRs; whether incidents went up
    # is their count against the base; trending and levels the summary.
    ("how long do PRs wait for review in web?", "pickup_time"),
    ("what's the median time to merge?", "lead_time"),
    ("which PRs took longest to get merged this month?", "lead_time"),
    ("who is waiting on reviews right now?", "open_prs"),
    ("how many PRs are stuck in review in api?", "open_prs"),
    ("did incidents go up since June?", "incident_count"),
    ("are there more incidents than last month?", "incident_count"),
    ("are we an elite team?", "dora_summary"),
    ("how are we trending compared to last month?", "dora_summary"),
    # A repository, a person or a named period besides the question (agent24):
    # the same intent, narrowed (tests/agent/test_named_scopes.py).
    ("what is the lead time in api?", "lead_time"),
    ("lead time for the api repo", "lead_time"),
    ("deploy frequency of web last month", "deployment_frequency"),
    ("how many PRs did ada merge last month?", "throughput"),
    ("what does bo review?", "review_load"),
    ("PRs by Ada", "throughput"),
    ("lead time in the summer", "lead_time"),
    ("lead time last summer", "lead_time"),
    ("how many incidents over the holidays?", "incident_count"),
    ("deployment frequency in Q3", "deployment_frequency"),
    ("lead time in H1 2026", "lead_time"),
    ("change failure rate this quarter", "change_failure_rate"),
    ("how many PRs did we merge since June?", "throughput"),
    # An engineering manager's or an executive's (agent24).
    ("how many PRs did grace review last month?", "review_load"),
    ("What's our average cycle time?", "lead_time"),
    ("Give me an executive summary for October", "dora_summary"),
    ("What is our change failure rate in web?", "change_failure_rate"),
    ("What's deployment frequency per week for infra?", "deployment_frequency"),
    ("Are deployments to production getting more frequent in web?", "deployment_frequency_trend"),
    # The rework rate (agent24b): its own metric, not the change failure rate.
    ("What's our rework rate?", "rework_rate"),
    ("rework rate last month", "rework_rate"),
    ("how many of our deployments were hotfixes or rollbacks?", "rework_rate"),
    ("Is our rework rate getting better?", "rework_rate_trend"),
    # A rate asked as a count: the failed deployments, the rate beside them.
    ("How many deployments failed last month?", "failed_deployments"),
    ("number of failed deployments this quarter", "failed_deployments"),
    ("how many releases failed in web?", "failed_deployments"),
    # Month over month, week over week, since a period (the period's words
    # name the comparison: tests/agent/test_periods.py).
    ("Is lead time improving month over month?", "lead_time_trend"),
    ("deployment frequency week over week", "deployment_frequency"),
    ("did CFR go down since Q2?", "change_failure_rate_trend"),
    ("did our change failure rate go down since Q2?", "change_failure_rate_trend"),
    # Rankings (agent24b): repositories by a metric, people by PRs merged.
    ("which repository has the slowest lead time?", "repositories_by_lead_time"),
    ("Which repo has the fastest lead time?", "repositories_by_lead_time"),
    ("which repo has the highest change failure rate?", "repositories_by_change_failure_rate"),
    ("which service has the lowest change failure rate", "repositories_by_change_failure_rate"),
    ("which repository recovers slowest from incidents?", "repositories_by_recovery_time"),
    ("which repository has the longest recovery time", "repositories_by_recovery_time"),
    ("which repo has the best recovery time?", "repositories_by_recovery_time"),
    ("which repo has the most rework?", "repositories_by_rework_rate"),
    ("which repo has the lowest rework rate", "repositories_by_rework_rate"),
    ("who merged the most PRs last quarter?", "people_merging_most"),
    ("which engineers merged the most pull requests?", "people_merging_most"),
    # Ordinary questions that name no one (agent review 24): "been", "let",
    # "app", "how", "environment" or "far" is no person (below).
    ("How many PRs have been merged this week?", "throughput"),
    ("Let's see deployment frequency", "deployment_frequency"),
    ("how is the web app's lead time?", "lead_time"),
    ("what are today's deployments?", "deployment_frequency"),
    ("there's an incident open, how's recovery time?", "recovery_time"),
    ("How's lead time?", "lead_time"),
    ("break down deployments by environment", "deployment_frequency"),
    ("which repo deploys most by far", "deployments_by_repository"),
    ("lead time for changes", "lead_time"),
    ("how are our DORA metrics?", "dora_summary"),
    # What was deployed, listed (agent24c): not the change failure rate; a
    # count of changes deployed is deployment frequency, never the failures.
    ("what has been deployed this week?", "deployments_listed"),
    ("what did we ship yesterday?", "deployments_listed"),
    ("what did we release last month", "deployments_listed"),
    ("which deployments went out today?", "deployments_listed"),
    ("how many changes were deployed on 3/1?", "deployment_frequency"),
    ("how many changes were deployed last week?", "deployment_frequency"),
    # Who merged fewest: the same ranking lowest first; in a repository, too.
    ("who merged the fewest PRs?", "people_merging_fewest"),
    ("which engineer merged the least pull requests this month", "people_merging_fewest"),
    ("who merged the most in web?", "people_merging_most"),
    # Work items resolved (agent24c): everyone's or one person's.
    ("how many stories did we finish last month?", "work_items"),
    ("work items completed in the last 2 weeks", "work_items"),
    ("what did linus work on last week?", "work_items"),
    ("how many tickets did we close in October", "work_items"),
    # Open, but neither incidents nor pull requests.
    ("Which work items are still open?", SEARCH.name),
]


# Questions that name no person and no repository, however the tenant's
# logins and repositories are spelled (tests/agent/test_narrowing.py reads
# them on a tenant with "howard", "letitia" and a repository "changes").
NOT_NARROWED = (
    "How many PRs have been merged this week?",
    "what has been deployed",
    "which PRs have been reviewed",
    "Let's see deployment frequency",
    "how is the web app's lead time?",
    "what are today's deployments?",
    "there's an incident open, how's recovery time?",
    "How's lead time?",
    "break down deployments by environment",
    "which repo deploys most by far",
    "PRs by size",
    "How many deployments did we do last month?",
    "lead time for changes",
    "how are our DORA metrics?",
    "how many changes were deployed on 3/1?",
)


@pytest.mark.parametrize("question", NOT_NARROWED)
def test_a_word_of_the_question_is_read_as_no_person(question: str) -> None:
    """ "have been merged" was read as "have ada merged" (a person's
    throughput), "by environment" as "by ada": the routing as the answer."""
    assert as_anyone(question) == question


def test_the_table_covers_every_local_intent() -> None:
    variants = {v.name for i in INTENTS for v in i.variants}
    assert {i.name for i in INTENTS} | variants | {SEARCH.name} == {i for _, i in TABLE}


@pytest.fixture(scope="module")
def classifier(embedder: Embedder) -> IntentClassifier:
    return IntentClassifier(embedder)


@pytest.mark.parametrize(("question", "intent"), TABLE)
def test_a_question_routes_where_a_user_expects(
    classifier: IntentClassifier, question: str, intent: str
) -> None:
    assert route(classifier, question, TODAY).name == intent
