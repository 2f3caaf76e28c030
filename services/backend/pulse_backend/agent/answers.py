"""The templates that turn a tool's output into local mode's answer: each
gets the output and the period in words ("in October 2026 (1 Oct - 31
Oct)", with an en dash), and words its figures as the dashboard does."""

from __future__ import annotations

from pulse_backend.agent.models import ToolOutput
from pulse_backend.analytics.wording import fmt_count, fmt_value, metric_name


def repositories(out: ToolOutput, when: str) -> str:
    if not out.data:
        return f"No incidents were linked to a repository {when}."
    lines = [
        f"{row['repository']}: {fmt_count(row['incidents'], 'incident', 'incidents')}"
        for row in out.data
    ]
    return f"Repositories with the most incidents {when}:\n" + _listed(lines, len(lines))


# How a figure moved against the previous period (``summary.change``).
_MOVED = {"improved": ": improved", "worsened": ": worsened", "unchanged": ": unchanged"}


def metric(out: ToolOutput, when: str) -> str:
    data = out.data
    level = f" DORA level: {data['level']}." if data["level"] else ""
    rows = "\n".join(f"- {c.title}" for c in out.citations)
    tail = f"\nThe rows that weigh most:\n{rows}" if rows else ""
    name = metric_name(data["metric"])
    # Asked whether it got better: the previous period's figure and the
    # summary's verdict ("no_data" when either period has none).
    compared = (
        f"\nCompared with {data['previous_words']}: {data['previous']}"
        f"{_MOVED.get(data['change'], '')}."
        if "change" in data
        else ""
    )
    return f"{name}{data.get('narrowed', '')} {when}: {data['figure']}.{level}{compared}{tail}"


# What a rate's counted deployments are (``dora_tools._COUNTED``).
_COUNTED = {"change_failure_rate": "Failed deployments", "rework_rate": "Rework deployments"}


def counted(out: ToolOutput, when: str) -> str:
    """A rate asked as a count ("how many deployments failed last
    month?"): the deployments it counts of all, then the rate itself."""
    d = out.data
    total = fmt_count(d["sample_size"], "deployment", "deployments")
    rate = f"{metric_name(d['metric']).lower()} {fmt_value(d['value'], d['unit'])}"
    compared = ""
    if d.get("change") == "no_comparison":
        # The base period predates the data loaded: no "0 of 0" to compare.
        compared = f"\nCompared with {d['previous_words']}: {d['previous']}."
    elif "previous_counted" in d:
        compared = (
            f"\nCompared with {d['previous_words']}: {d['previous_counted']} of "
            f"{fmt_count(d['previous_sample_size'], 'deployment', 'deployments')} "
            f"({fmt_value(d['previous_value'], d['unit'])})."
        )
    if not d["sample_size"]:
        # "0 of 0 deployments (no data)" reads as a figure.
        return f"No deployment was counted{d.get('narrowed', '')} {when}.{compared}"
    rows = "\n".join(f"- {c.title}" for c in out.citations)
    return (
        f"{_COUNTED[d['metric']]}{d.get('narrowed', '')} {when}: {d['counted']} of {total} "
        f"({rate}).{compared}" + (f"\nThe failed deployments:\n{rows}" if rows else "")
    )


def work_items(out: ToolOutput, when: str) -> str:
    """Work items resolved ("how many stories did we finish?"), the
    work-items dashboard's count, and the latest of them."""
    d = out.data
    if not d["resolved"]:
        return f"No work item{d['narrowed']} was resolved {when}."
    total = fmt_count(d["resolved"], "work item", "work items")
    latest = [c.title for c in out.citations]
    return (
        f"Work items resolved{d['narrowed']} {when}: {total} (throughput "
        f"{d['per_week']:.1f} a week), the latest first:\n" + _listed(latest, d["resolved"])
    )


def summary(out: ToolOutput, when: str) -> str:
    lines = "\n".join(f"- {ln}" for ln in out.data["lines"])
    insights = "\n".join(f"- {i}" for i in out.data["insights"])
    return f"DORA metrics {when}:\n{lines}" + (f"\nInsights:\n{insights}" if insights else "")


def search(out: ToolOutput, _when: str) -> str:
    if not out.citations:
        return "I found nothing matching your question in PRs, work items or incidents."
    return "Closest matches:\n" + "\n".join(f"- {c.title}" for c in out.citations)


def open_incidents(out: ToolOutput, when: str) -> str:
    data = out.data
    if not data["total"]:
        return f"No incident detected {when} is still open."
    lines = [
        f"{n['incident']} ({n['severity']}, {n['status']}, open for {n['age']}): "
        + (f"linked to {n['deployment']}" if n["deployment"] else "no deployment linked")
        for n in data["incidents"]
    ]
    total = fmt_count(data["total"], "incident", "incidents")
    return f"Incidents detected {when} that are still open: {total}, oldest first:\n" + _listed(
        lines, data["total"]
    )


def _listed(lines: list[str], total: int) -> str:
    """The rows listed, numbered, and how many of ``total`` are not."""
    tail = f"\n…and {total - len(lines)} more." if total > len(lines) else ""
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1)) + tail


def open_prs(out: ToolOutput, when: str) -> str:
    data = out.data
    older = data["older"]
    before = (
        f"\n{fmt_count(older, 'more open PR was', 'more open PRs were')} opened before that."
        if older
        else ""
    )
    if not data["total"]:
        return f"No pull request{data['narrowed']} opened {when} is still open.{before}"
    lines = [
        f"{p['pr']} (by {p['author'] or 'unknown'}, open for {p['age']}): "
        + (f"reviewed by {', '.join(p['reviewers'])}" if p["reviewers"] else "not reviewed yet")
        for p in data["prs"]
    ]
    total = fmt_count(data["total"], "open PR", "open PRs")
    # Which are waiting for a first review, first: what "waiting for
    # review" asks, and the list below may show none of them.
    waiting = (
        f"{data['unreviewed']} of them not reviewed yet by anyone but their author"
        if data["unreviewed"]
        else "each reviewed by someone other than its author"
    )
    return (
        f"Pull requests{data['narrowed']} opened {when} that are still open: {total}, "
        f"{waiting}; oldest first:\n" + _listed(lines, data["total"]) + before
    )


def slowest_reviews(out: ToolOutput, when: str) -> str:
    data = out.data
    if not data["prs"]:
        return f"No merged pull request had a review {when}."
    lines = [
        f"{p['pr']}: {p['review_time']} in review, reviewed by "
        + (", ".join(p["reviewers"]) or "no one else")
        for p in data["prs"]
    ]
    return (
        f"Pull requests that took longest to review {when} (from the first review by "
        f"someone else to the merge):\n" + _listed(lines, len(lines)) + f"\nMedian review time: "
        f"{data['median']} (from {data['reviewed']})."
    )


# Reviewers named as left out of the fastest, at most.
TOP_LEFT_OUT = 10


def review_load(out: ToolOutput, when: str) -> str:
    reviewers = out.data["reviewers"]
    by = out.data.get("narrowed", "")
    if not reviewers:
        who = by.removeprefix(" of ")
        return (
            f"{who} reviewed no pull request {when}."
            if who
            else f"No pull request was reviewed {when}."
        )
    lines = [
        f"{i}. {r['reviewer']}: {r['reviewed']} reviewed, median first response "
        f"{r['median_response']}"
        for i, r in enumerate(reviewers, start=1)
    ]
    # The cited PRs under the reviewer whose count they are in (a PR two
    # listed reviewers reviewed is cited once, and listed under both).
    titles = {c.id: c.title for c in out.citations}
    latest = [
        f"- {r['reviewer']}: " + "; ".join(titles[i] for i in r["latest_pr_ids"] if i in titles)
        for r in reviewers
        if r["latest_pr_ids"]
    ]
    tail = "\nTheir latest PRs reviewed:\n" + "\n".join(latest) if latest else ""
    if out.data["order"] != "response":
        return f"Review load{by} {when} (PRs reviewed per reviewer):\n" + "\n".join(lines) + tail
    least = fmt_count(out.data["min_reviews"], "review", "reviews")
    few = out.data["left_out"]
    # Who was not ranked, and why: a fast median of one review ranks nobody.
    left = (
        "\nLeft out for too few reviews: "
        + ", ".join(f"{r['reviewer']} ({r['prs_reviewed']})" for r in few[:TOP_LEFT_OUT])
        + (f" and {len(few) - TOP_LEFT_OUT} more" if len(few) > TOP_LEFT_OUT else "")
        + "."
        if few
        else ""
    )
    head = f"Reviewers with at least {least} {when}, by median first response, fastest first:"
    return f"{head}\n" + "\n".join(lines) + left + tail


def flow(out: ToolOutput, when: str) -> str:
    """The engineering flow's figure, the previous period's and the PRs
    behind it (``flow.engineering_flow_tool``)."""
    d = out.data
    compared = f"Compared with {d['previous_words']}: {d['previous']}"
    titles = "\n".join(f"- {c.title}" for c in out.citations)
    if d["measure"] == "throughput":
        if not d["merged_prs"]:
            return f"No pull request{d['narrowed']} was merged {when}.\n{compared}."
        weeks = ", ".join(f"{w['label']}: {w['merged']}" for w in d["weeks"])
        return (
            f"Throughput{d['narrowed']} {when}: {d['figure']}.\n"
            f"Merged PRs per week (weeks from Monday): {weeks}.\n{compared}.\n"
            f"The latest merged:\n{titles}"
        )
    if not d["sample_size"]:
        return (
            f"No pull request{d['narrowed']} merged {when} has a {d['name'].lower()} "
            f"({d['spans']}).\n{compared}."
        )
    # Each cited PR, with who reviewed it where the step is about reviews.
    lines = [
        f"{p['pr']}: {p['time']}"
        + (
            f", reviewed by {', '.join(p['reviewers'])}"
            if p["reviewers"] and d["measure"] != "coding"
            else ""
        )
        for p in d["prs"]
    ]
    return (
        f"{d['name']}{d['narrowed']} {when}: {d['figure']} ({d['spans']}).\n"
        f"{compared}{_MOVED.get(d['change'], '')}.\n"
        f"The merged PRs {d['longest']}:\n" + _listed(lines, len(lines))
    )


def incident_count(out: ToolOutput, when: str) -> str:
    """How many incidents were detected, from the mean time to restore's
    figure (every incident detected in the period)."""
    d = out.data
    n = d["sample_size"]
    if not n:
        return f"No incident was detected{d.get('narrowed', '')} {when}."
    still = f"{d['unresolved']} still open" if d["unresolved"] else "all of them resolved"
    rows = "\n".join(f"- {c.title}" for c in out.citations)
    # Asked whether there were more: the count of the period compared against.
    before = (
        f"Compared with {d['previous_words']}: "
        f"{fmt_count(d['previous_sample_size'], 'incident', 'incidents')}.\n"
        if "previous_sample_size" in d
        else ""
    )
    return (
        f"Incidents detected{d.get('narrowed', '')} {when}: "
        f"{fmt_count(n, 'incident', 'incidents')}, {still}.\n"
        f"{before}"
        f"Mean time to restore (detection to resolution, the median): {d['figure']}.\n"
        f"The longest to restore:\n{rows}"
    )


def deployments_by_repository(out: ToolOutput, when: str) -> str:
    rows = out.data["repositories"]
    if not rows:
        return (
            f"No deployment was counted {when}."
            if out.data["order"] == "most"
            else ("No repository is known yet.")
        )
    lines = [f"{row['repository']}: deployment frequency {row['figure']}" for row in rows]
    return f"Repositories that deployed {out.data['order']} {when}:\n" + _listed(lines, len(lines))
