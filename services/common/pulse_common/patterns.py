"""Patterns that input strings must match, each with how to say it to a person.

Pydantic answers a mismatch with "String should match pattern '^[a-z0-9]...'":
a regular expression is no answer for someone filling in a form. Each
pattern an input uses is declared through ``worded``, next to its type; the
API's validation handler (``pulse_backend.errors``) answers with the words,
and ``tests/backend/test_validation_words.py`` walks the OpenAPI document so
that no pattern goes without them.
"""

from __future__ import annotations

_WORDS: dict[str, str] = {}


def worded(pattern: str, words: str) -> str:
    """Registers what ``pattern`` allows, worded as an instruction ("use ...");
    returns the pattern, for ``Field(pattern=...)`` and the like."""
    known = _WORDS.setdefault(pattern, words)
    if known != words:  # one pattern, two wordings: one of them would be shown wrongly
        raise ValueError(f"pattern {pattern!r} is already worded as {known!r}")
    return pattern


def words(pattern: str) -> str | None:
    return _WORDS.get(pattern)
