"""What the platform says to people: a count says "1 credential" or
"3 credentials", never "credential(s)" (the backend's, the ETL's and the
operator's messages, the web app's text)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = [
    *(REPO / "services").glob("*/pulse_*/**/*.py"),
    *(REPO / "operator/pulse_operator").glob("**/*.py"),
    *(
        p
        for p in (REPO / "services/frontend/src").glob("**/*.ts*")
        if ".test." not in p.name and not p.name.endswith(".d.ts")
    ),
]
# A word with "(s)" followed by more words or the end of a string; not a call
# such as ``badge(s)`` or a unit such as "Read timeout (s)".
HEDGED_PLURAL = re.compile(r"[a-z]\(s\)( +[a-z]|[`\"'])")


def test_no_hedged_plural_in_what_users_and_operators_read() -> None:
    assert len(SOURCES) > 100
    found = [
        f"{path.relative_to(REPO)}:{n}: {line.strip()}"
        for path in SOURCES
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if HEDGED_PLURAL.search(line)
    ]
    assert found == []


def test_count_of_says_one_in_the_singular() -> None:
    from pulse_common.wording import count_of

    assert [count_of(n, "tenant") for n in (0, 1, 2)] == ["0 tenants", "1 tenant", "2 tenants"]
    assert count_of(3, "entry", "entries") == "3 entries"
    assert count_of(12345, "item") == "12,345 items"  # as the web app's countOf
