"""The words an intent's question must have where the embedding alone
cannot tell (``intent.Intent.requires`` and ``about``): each pattern with
the measurement that made it needed."""

from __future__ import annotations

import re

# Open incidents are asked for by their openness: "incidents last week" is
# 0.64 from "which incidents are still open?" by the noun alone (0.53 from
# recovery time's nearest exemplar), so a question without a word of it is
# never read as asking which are open.
OPENNESS = re.compile(r"\b(open|unresolved|ongoing|outstanding|still|yet|closed)\b", re.I)


# Open pull requests are asked for by their openness too, or by what keeps
# them open: not merged yet, waiting for a review, gone stale. "Which PRs
# waited longest for a review?" (past tense) is review time, not this.
PR_OPENNESS = re.compile(
    OPENNESS.pattern
    + r"|\b(unmerged|pending|waiting|awaiting|stale|idle|abandoned|languishing|(are|is) stuck)\b"
    r"|(\bnot|n't)\s+(yet\s+)?(been\s+)?(merged|reviewed)\b",
    re.I,
)
# ...and are about pull requests: "which of those are still open?" has no
# noun of its own, and is about pull requests only after a question about
# them (``IntentClassifier.classify_follow_up``), about incidents otherwise.
ABOUT_PRS = re.compile(r"\b(PRs?|pull requests?|merged?|merging|code reviews?|reviews?)\b", re.I)
# Review time and review load are asked for with a word of reviewing: "who
# opened the most pull requests?" is 0.6 from "who reviews the most pull
# requests?" by its shape, and "what are our biggest pull requests?" near it
# too, but neither asks about reviews.
REVIEWING = re.compile(r"\breview", re.I)
# Lead time is asked for with a word of time: "who opened the most pull
# requests?" is 0.65 from "which pull requests were slowest to ship" and
# 0.48 from its topic, but asks no duration.
TIMING = re.compile(
    r"\b(time|long|lead|slow\w*|fast\w*|quick\w*|speed|took|take[sn]?|wait\w*|days?|"
    r"hours?|delay\w*|duration|cycle)\b",
    re.I,
)

# The engineering flow and the counts are asked for with their own words,
# which the embedding alone weighs too little against a nearer shape:
# pickup time by picking up or a first review ("how long until a PR gets
# its first review?" is 0.7 from review time's "which PRs took the longest
# to review"); a count by a word of counting ("how many incidents did we
# have?" is recovery time's by its noun), of merged PRs by their merging;
# a ranking of repositories by deployments by a word of repositories
# ("which repository deploys the most?" is deployment frequency's by its
# verb); whether review time got better by a word of change ("how long do
# code reviews take?" asks the figure, which review time's answer gives).
# Pickup time, not which PRs wait now ("which PRs are waiting for their
# first review?" is open PRs).
PICKING_UP = re.compile(
    r"^(?!.*\b(are|is)\s+(still\s+)?(waiting|awaiting|pending)\b)"
    r"(?!.*\b(still|yet|nobody|no one|right now)\b)"
    r".*(\bpick(s|ed|ing)?\s+(it\s+|them\s+)?up|\bpickup|\bpick-up|\bfirst\s+review\w*|"
    r"\bstart(s|ed|ing)?\s+(to\s+)?review\w*|"
    # How long PRs wait for review, present tense ("waited longest" is review time).
    r"\bhow\s+long\b.*\bwait(s|ing)?\s+(for|on)\s+(a\s+|their\s+|the\s+)?reviews?\b)",
    re.I,
)
# ...or of their number going up or down ("did incidents go up since June?").
COUNTING = re.compile(
    r"\b(how many|number of|count|total|throughput|(go|goes|went|gone|going) (up|down)|"
    r"increas\w*|decreas\w*|more|fewer|less)\b",
    re.I,
)
# Merged (or a person's PRs), not "not merged yet" (open PRs), nor how long merging takes
# ("what's the median time to merge?", "which PRs took longest to get
# merged?": lead time, by TIMING's words).
MERGED = re.compile(
    r"^(?!.*(\bnot\b|n't\b|\bnever\b|\byet\b|\bopen|unmerged|\btime\b|\blong|\bslow\w*|"
    r"\btook\b|\btakes?\b|\bmedian\b|\baverage\b)).*(\b(merg\w*|throughput)\b|"
    # "PRs by ada": the PRs a person got merged.
    r"\b(PRs?|pull requests?) (by|from)\b)",
    re.I,
)
INCIDENTS = re.compile(r"\b(incidents?|outages?|sev\d?)\b", re.I)
REPOSITORIES = re.compile(r"\b(repos?|repositor(y|ies)|services?|codebases?|projects?)\b", re.I)
# What was deployed is asked as a list ("what has been deployed this week?",
# "what did we ship yesterday?"): 0.6 from the change failure rate's "how many
# releases caused problems" by its shape, so its own words; not a figure
# (how often, a rate, a count) nor which repository or what failed.
LISTING = re.compile(
    r"^(?!.*\b(how|rates?|frequen\w*|cadence|number|count|fail\w*|broke|caus\w*|incidents?|"
    r"most|least|fewest|repos?|repositor(y|ies)|services?|rework\w*|hot-?fix\w*|rollbacks?)\b)"
    r".*(\b(what|which)\b.*\b(deploy(ed)?|ship(ped)?|releas(e|ed)|went out)\b"
    r"|\b(list|show)\b.*\b(deploy\w*|ship\w*|releas\w*)\b)",
    re.I,
)
DEPLOYING = re.compile(r"\b(deploy\w*|releas\w*|ship\w*)\b", re.I)
CHANGING = re.compile(
    r"\b(better|worse|improv\w*|worsen\w*|getting|trend\w*|compar\w*|previous|chang\w*|"
    r"faster|slower|speed(ing)? up|slow(ing)? down|over time)\b",
    re.I,
)
# Whether a DORA metric got better is asked with a word of its change:
# CHANGING's, less the noun "change" ("what is our change failure rate?",
# "time for a change to get to prod" ask the figure) and "getting" alone
# ("how long until a fix is getting deployed"), plus deploying more or less
# often "than" before.
METRIC_CHANGING = re.compile(
    r"\b(better|worse|improv\w*|worsen\w*|trend\w*|compar\w*|previous|changed|changing|"
    r"faster|slower|quicker|speed(ing)? up|slow(ing)? down|over time|than|versus|vs|"
    r"increas\w*|decreas\w*|(go|goes|going) (up|down)|more often|less often|"
    r"more frequent(ly)?|less frequent(ly)?)\b",
    re.I,
)
# Who reviews fastest is the review load ordered by the first response:
# "who picks up reviews the fastest?" asks a ranking by speed, not by count.
FASTEST = re.compile(r"\b(fastest|quickest|soonest|speediest|fast|quick(ly)?)\b", re.I)
# Which repository deploys least is the same ranking the other way round
# (the embedding reads "least" as "most"); "at least" is a threshold.
LEAST = re.compile(r"(?<!\bat )\b(least|fewest|rarest|rarely|seldom|lowest|never|hardly)\b", re.I)
# The rework rate is asked by its own words: "what is our rework rate?" is
# nearer the change failure rate's "what is our change failure rate" by its
# shape than any rework exemplar can pull it.
REWORK = re.compile(
    r"\b(rework\w*|re-work\w*|hot-?fix\w*|rollbacks?|roll(ed)? back|unplanned)\b", re.I
)
# A rate asked as a count ("how many deployments failed?"): the deployments
# counted, with the rate beside them; "how many more" asks a change too.
HOW_MANY = re.compile(r"\b(how many|number of|count)\b", re.I)
# A ranking of repositories by a metric ("which repository has the slowest
# lead time?", "which repo has the highest change failure rate?"), highest
# figure first or lowest first: the metric's own question otherwise.
_RANKED_REPOSITORY = r"^(?=.*\b(repos?|repositor(y|ies)|services?|codebases?|projects?)\b)"
RANKED_HIGHEST = re.compile(
    _RANKED_REPOSITORY + r".*\b(highest|most|slowest|longest|worst|biggest|largest)\b", re.I
)
RANKED_LOWEST = re.compile(
    _RANKED_REPOSITORY + r".*\b(lowest|least|fewest|fastest|quickest|shortest|best)\b", re.I
)
# Who merged most: the throughput per author, not everyone's.
WHO = re.compile(r"\b(who|which (people|persons?|engineers?|developers?|authors?|devs?))\b", re.I)
# Who merged least: the same ranking lowest first.
WHO_LEAST = re.compile(rf"^(?=.*(?:{WHO.pattern}))(?=.*(?:{LEAST.pattern}))", re.I)
# Work items resolved are asked by their own nouns, or by what a person
# worked on ("what did linus work on?" is no metric's); those still open
# are searched for (no tool lists them).
WORK_ITEMS = re.compile(
    r"^(?!.*\b(open|unresolved|ongoing|outstanding|still|yet|PRs?|pull requests?)\b)"
    r".*\b(work ?items?|stor(y|ies)|tickets?|issues?|tasks?|epics?|work(ed|ing)? on)\b",
    re.I,
)
# Where incidents come from is a count of them per repository, not a
# metric's ranking: "which repo has the highest change failure rate?" is
# nearer "which repositories cause most incidents?" than the metric's
# exemplars.
NO_METRIC = re.compile(r"^(?!.*\b(rates?|time|recover\w*|restor\w*|mttr|cfr|lead|rework)\b)", re.I)
