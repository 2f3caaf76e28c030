"""Counts in what people read: "1 credential", "3 credentials", "12,345
items", never a noun with a hedged "(s)" (the web app's twin:
services/frontend/src/format/plural.ts, whose ``countOf`` groups thousands
for an en-US reader)."""

from __future__ import annotations


def count_of(n: int, singular: str, plural: str | None = None) -> str:
    """``plural`` for the nouns that do not just take an "s"."""
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"
