"""Guards on the admin-supplied regular expressions of the DORA rules (the
production environment, hotfix and revert patterns), checked on
``PUT /analytics/settings`` before anything is stored.

Why a static check rather than matching in PostgreSQL under a statement
timeout: the rules are Python patterns, matched by ``relink`` (in the ETL
after each sync, and in the settings request itself) against every PR title
and branch and every environment name. Moving the matching into SQL would
change their dialect (PostgreSQL's ARE differs from Python's ``re``) for
every tenant, and Python's ``re`` has no timeout. So the shapes that make a
backtracking engine take exponential or high-polynomial time are refused:

- a repeat of something of variable length (``(a+)+``, ``(a|aa)*``,
  ``(a?b)+``): the classic catastrophic backtracking, where the engine tries
  every way of splitting the input between the iterations (a repeat of a
  fixed-length part, ``(ab)+``, ``[^a-z]+``, ``(\\d{2}){3}``, is fine);
- backreferences (``(a)\\1``, ``(?(1)...)``), which no engine matches fast;
- more than ``MAX_UNBOUNDED`` unbounded repeats (``.*a.*b.*c`` backtracks
  in O(n³) on a title that almost matches).

The length limit (200 characters) is the model's. What stays allowed covers
the patterns these rules need (anchors, classes, alternations, optional
parts, a couple of ``.*``).
"""

from __future__ import annotations

import re
import re._parser as sre  # type: ignore[import-not-found]
from typing import Any

MAX_UNBOUNDED = 2
_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}
_BACKREFS = {"GROUPREF", "GROUPREF_EXISTS", "GROUPREF_IGNORE", "GROUPREF_LOC_IGNORE"}


class UnsafePattern(ValueError):
    """A pattern whose shape can make matching take exponential time."""


def _children(op: str, av: Any) -> list[Any]:
    """The sub-patterns of one parsed node."""
    if op in _REPEATS:
        return [av[2]]
    if op == "SUBPATTERN":
        return [av[3]]
    if op == "BRANCH":
        return list(av[1])
    if op in ("ASSERT", "ASSERT_NOT"):
        return [av[1]]
    if op == "ATOMIC_GROUP":
        return [av]
    return []


def _variable(items: Any) -> bool:
    """Whether a sub-pattern can match strings of different lengths."""
    lo, hi = items.getwidth()
    return bool(lo != hi)


def _walk(items: Any) -> int:
    """The number of unbounded repeats under ``items``; raises on a bad shape."""
    unbounded = 0
    for op_code, av in items:
        op = str(op_code)
        if op in _BACKREFS:
            raise UnsafePattern("backreferences are not allowed")
        if op in _REPEATS:
            _low, high, body = av
            if high > 1 and _variable(body):
                raise UnsafePattern(
                    "a repeat of a variable-length part (e.g. (a+)+ or (a|aa)*) "
                    "can take exponential time"
                )
            unbounded += high == sre.MAXREPEAT
        for child in _children(op, av):
            unbounded += _walk(child)
    return unbounded


def check_pattern(pattern: str) -> str:
    """``pattern`` when it compiles and has a safe shape; else ValueError
    (pydantic reports it on the field)."""
    try:
        parsed = sre.parse(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from None
    if _walk(parsed) > MAX_UNBOUNDED:
        raise UnsafePattern(f"at most {MAX_UNBOUNDED} unbounded repeats (*, +, {{n,}}) are allowed")
    return pattern
