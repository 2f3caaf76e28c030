"""The DORA rules' admin-supplied patterns: shapes that make a backtracking
engine take exponential (or high-polynomial) time are refused, the patterns
the rules need are accepted."""

from __future__ import annotations

import re

import pytest

from pulse_backend.analytics.patterns import MAX_UNBOUNDED, UnsafePattern, check_pattern
from pulse_common.dora.settings import DoraRules

DEFAULTS = DoraRules()


@pytest.mark.parametrize(
    "pattern",
    [
        DEFAULTS.production_pattern,
        DEFAULTS.hotfix_pattern,
        DEFAULTS.revert_pattern,
        "^(prod|production|live)(-[a-z]{2}-[0-9])?$",
        ".*prod.*",
        r"(?:ab)+",
        r"(\d{2}){3}",
        r"[^a-z]+hotfix",
        r"(?=hot)hotfix",
    ],
)
def test_accepts_the_patterns_the_rules_need(pattern: str) -> None:
    assert check_pattern(pattern) == pattern


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("(a+)+$", "variable-length"),
        ("(a*)*", "variable-length"),
        ("(a|aa)*b", "variable-length"),
        ("(?:a?b)+c", "variable-length"),
        ("(a{1,3})+x", "variable-length"),
        (r"(x)\1", "backreferences"),
        ("(?P<x>a)(?(x)b|c)", "backreferences"),
        (".*a.*b.*c", f"at most {MAX_UNBOUNDED}"),
        ("a{2,}b{3,}c+", f"at most {MAX_UNBOUNDED}"),
        ("(unclosed", "not a regular expression"),
    ],
)
def test_refuses_shapes_that_can_stall_matching(pattern: str, why: str) -> None:
    with pytest.raises(ValueError, match=re.escape(why)):
        check_pattern(pattern)


def test_unsafe_is_a_value_error_naming_the_shape() -> None:
    # pydantic turns a ValueError in a validator into a 422 on the field
    assert issubclass(UnsafePattern, ValueError)
