"""What a local-mode intent is: the tool that answers it, with default
arguments, the example questions that stand for it, its topic, the
template that turns the tool's output into the answer's text, and the words
a question must have where the embedding cannot tell (``intent_words``).
The intents themselves are ``intents``' table."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pulse_backend.agent.models import ToolOutput


@dataclass(frozen=True)
class Intent:
    """``render`` gets the tool's output and the period in words ("in October
    2026 (1 Oct - 31 Oct)", with an en dash)."""

    name: str
    tool: str
    arguments: dict[str, Any]
    exemplars: tuple[str, ...]
    render: Callable[[ToolOutput, str], str]
    topic: str = ""
    # Words the question must have for the intent to be a candidate at all,
    # where the embedding alone cannot tell (see ``OPENNESS``)...
    requires: re.Pattern[str] | None = None
    # ...and words what it is about must have: a follow-up's own, or those
    # of the question it leans on (see ``ABOUT_PRS``).
    about: re.Pattern[str] | None = None
    # The same question asked more precisely, answered by the first whose
    # words fit (``requires``): a DORA metric asked whether it got better,
    # the change failure rate asked how many failed, the review load asked
    # who responds fastest. Not classified on their own: the embedding
    # finds the question, the words how it is asked.
    variants: tuple[Intent, ...] = ()

    def fits(self, words: str, about: str) -> bool:
        return (self.requires is None or self.requires.search(words) is not None) and (
            self.about is None or self.about.search(about) is not None
        )
