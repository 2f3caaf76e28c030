"""The words of a question that stand where a person's or a repository's
name stands, read without the database (``narrowing.named`` looks them
up). A word stands for a person after "by", with "'s", between an
auxiliary and a verb of making or reviewing PRs, or after "from", "of",
"for" or "with"; for a repository after "in", "of", "for", "from", "on" or
"at", with "'s", or said as one ("the web repo", "acme/web"). A word of the
questions' own vocabulary (``common_words``) is a person only when it is a
login itself and a repository only when said as one; only a name said
explicitly (capitalised mid-sentence, or "@login") after "by", "for",
"from", with "'s" or between an auxiliary and a verb may be said to be no
one's: "by far", "let's" or "have been merged" name no one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pulse_backend.agent.common_words import COMMON

# Words that never name a person, even one whose login spells them ("for
# last month", "have been merged"), nor a repository.
NO_PERSON = frozenset(
    {
        *("a", "an", "the", "this", "that", "these", "those", "last", "next", "previous"),
        *("all", "any", "each", "every", "no", "one", "some", "more", "most", "what", "which"),
        *("me", "my", "us", "our", "ours", "we", "you", "your", "it", "its", "they", "them"),
        *("their", "her", "his", "who", "whom", "anyone", "someone", "everyone", "nobody"),
        *("i", "he", "she", "team", "repository", "repo", "service", "week", "month"),
        *("day", "quarter", "year", "author", "reviewer", "person", "people", "been", "being"),
        *("already", "ever", "also", "still", "just", "never", "really", "actually", "not"),
    }
)
_NAME = r"(@?[\w-]+)"
_POSSESSIVE = rf"(?<![\w/.@-]){_NAME}['\u2019]s\b"
# Where a person's name stands: kind of place -> pattern (group 1 the word).
_PLACES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("by", re.compile(rf"\bby {_NAME}", re.I)),
    ("'s", re.compile(_POSSESSIVE, re.I)),
    # In a question asking how many, what or which (``_asking``): "how
    # many PRs did ada merge", "what does bo review" (not "did bo merge
    # anything?").
    (
        "verb",
        re.compile(
            rf"\b(?:did|does|do|has|have|had|is|was) {_NAME} "
            r"(?:merg|review|ship|deploy|open|author|writ|wrote|approv|fix|work)",
            re.I,
        ),
    ),
    ("for", re.compile(rf"\b(?:for|from) {_NAME}", re.I)),
    ("of", re.compile(rf"\b(?:of|with) {_NAME}", re.I)),
    ("@", re.compile(r"(?<![\w@])@([\w-]+)")),
)
# The places after which a name said explicitly may be said to be no one's.
_SURE = frozenset({"by", "'s", "verb", "for", "@"})
_SENTENCE_END = re.compile(r"[.?!:;\n]\W*$")


def _starts_sentence(question: str, at: int) -> bool:
    """Whether the word at ``at`` begins a sentence (its capital says nothing)."""
    head = question[max(0, at - 8) : at]
    return (at <= 8 and not re.search(r"\w", head)) or _SENTENCE_END.search(head) is not None


_ASKING = re.compile(r"\b(?:how|what|which|who)\b|[?.!]", re.I)


def _asking(question: str) -> list[int]:
    """For each position, whether the sentence so far asks how, what, which
    or who (1) or not (0): one pass, however many auxiliaries follow."""
    marks = [0] * (len(question) + 1)
    for m in _ASKING.finditer(question):
        marks[m.end()] = 1 if m.group(0)[0].isalpha() else -1
    out, now = [], 0
    for mark in marks:
        now = max(mark, 0) if mark else now
        out.append(now)
    return out


def _places(question: str) -> Iterator[tuple[str, re.Match[str]]]:
    asking: list[int] | None = None
    for kind, pattern in _PLACES:
        for m in pattern.finditer(question):
            if kind == "verb":
                asking = asking or _asking(question)
                if not asking[m.start()]:
                    continue
            yield kind, m


@dataclass(frozen=True)
class Person:
    """A word that may name a person: ``prefix`` when it may be a login's
    beginning (not a word of the vocabulary, two letters at least),
    ``explicit`` when a name nobody has is said as such."""

    word: str
    prefix: bool
    explicit: bool


def people(question: str) -> list[Person]:
    """The words standing where a person's name stands, in the order said."""
    found: dict[str, Person] = {}
    first: dict[str, int] = {}
    for kind, m in _places(question):
        said = m.group(1)
        word = said.lstrip("@").lower()
        if not word or word in NO_PERSON:
            continue
        common = word in COMMON
        capitalised = said[0].isupper() and not _starts_sentence(question, m.start(1))
        explicit = kind in _SURE and not common and (said[0] == "@" or capitalised)
        old = found.get(word)
        first[word] = min(first.get(word, m.start(1)), m.start(1))
        found[word] = Person(
            word,
            prefix=not common and len(word) >= 2,
            explicit=explicit or (old is not None and old.explicit),
        )
    return sorted(found.values(), key=lambda p: first[p.word])


def sure_spans(question: str) -> list[tuple[int, int]]:
    """Where ``question`` names a person for sure (after "by", with "'s",
    between an auxiliary and a verb): no word of the vocabulary."""
    spans = []
    for kind, m in _places(question):
        word = m.group(1).lstrip("@").lower()
        if kind in ("by", "'s", "verb") and word not in COMMON and word not in NO_PERSON:
            spans.append(m.span(1))
    return sorted(set(spans))


# A full name ("acme/api-gateway"): never a date ("3/1", "2026/03/01").
_FULL_NAME = re.compile(r"(?<![\w/.-])([\w.-]*\w/[\w.-]*\w)")
_DATE_LIKE = re.compile(r"[\d/.-]+")
# A bare name where a repository's stands ("in web", "of web", "web's").
_IN = re.compile(r"\b(?:in|of|for|from|on|at) (?:the )?(\w[\w.-]*\w|\w)(?![\w/])", re.I)
_REPO_POSSESSIVE = re.compile(r"(?<![\w/.-])(\w[\w.-]*)['\u2019]s\b", re.I)
# A repository named as one, whatever it is ("the payments repo", "in
# acme/payments"): one the tenant has none of is said, not ignored.
_SAID = re.compile(
    r"\b(?:in|for|of|from|on) (?:the )?(\w[\w.-]*) (?:repo|repository)\b|"
    r"\b(?:in|for|of|from|on) (?:the )?(?:repo|repository) (\w[\w.-]*\w|\w)|"
    r"\b(?:in|for|of|from|on) (?:the )?([\w.-]*\w/[\w.-]*\w)",
    re.I,
)


@dataclass(frozen=True)
class Repositories:
    """``full``: full names said anywhere; ``bare``: names where one stands;
    ``said``: names said as a repository's (an unknown one is said)."""

    full: frozenset[str]
    bare: frozenset[str]
    said: frozenset[str]


def _no_date(words: set[str]) -> frozenset[str]:
    return frozenset(w for w in words if not _DATE_LIKE.fullmatch(w))


def repositories(question: str) -> Repositories:
    said = _no_date({p.lower() for m in _SAID.finditer(question) for p in m.groups() if p})
    full = _no_date({m.lower() for m in _FULL_NAME.findall(question)})
    placed = {w.lower() for p in (_IN, _REPO_POSSESSIVE) for w in p.findall(question)}
    bare = {w for w in placed if w not in COMMON and w not in NO_PERSON and "/" not in w}
    named = _no_date(bare) | {w for w in said if "/" not in w}
    return Repositories(full | {w for w in said if "/" in w}, named, said)
