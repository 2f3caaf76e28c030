"""Words of the questions' own vocabulary: English words that stand where a
name may stand ("have been merged", "let's", "by environment", "the web
app's") and the app's nouns and verbs ("lead time for changes"). Such a
word names a person only when it is a login itself ("by will"): it is never
the beginning of one ("how's" is not howard) nor said to be nobody's, and
it names a repository only when said as one ("the changes repo")."""

from __future__ import annotations

COMMON = frozenset(
    {
        # Auxiliaries, their participles and contractions' first halves.
        *("am", "is", "are", "was", "were", "be", "been", "being", "do", "does", "did", "done"),
        *("have", "has", "had", "having", "can", "could", "will", "would", "shall", "should"),
        *("may", "might", "must", "let", "get", "gets", "got", "gotten", "getting", "go", "going"),
        *("don", "doesn", "didn", "isn", "aren", "wasn", "weren", "won", "wouldn", "shouldn"),
        *("ve", "ll", "re", "d", "s", "t", "m"),
        # Pronouns, determiners, question words and the like.
        *("i", "me", "my", "we", "us", "our", "ours", "you", "your", "he", "him", "his", "she"),
        *("her", "it", "its", "they", "them", "their", "this", "that", "these", "those", "there"),
        *("here", "a", "an", "the", "some", "any", "all", "each", "every", "no", "none", "one"),
        *("who", "whom", "whose", "what", "which", "when", "where", "why", "how", "else", "and"),
        *("or", "not", "so", "if", "then", "than", "too", "very", "much", "many", "more", "most"),
        *("less", "least", "few", "far", "near", "now", "today", "yesterday", "tomorrow", "ago"),
        *("week", "weeks", "month", "months", "quarter", "quarters", "year", "years", "day"),
        *("days", "time", "times", "period", "recent", "last", "next", "previous", "past"),
        *("first", "second", "other", "others", "same", "own", "someone", "anyone", "everyone"),
        *("nobody", "people", "person", "everybody", "anybody", "thing", "things", "way", "lot"),
        *("already", "ever", "also", "still", "just", "never", "really", "actually", "again"),
        *("see", "show", "tell", "give", "list", "compare", "break", "down", "up", "out", "over"),
        *("by", "for", "from", "of", "with", "in", "on", "at", "to", "into", "about", "between"),
        *("please", "thanks", "ok", "okay", "hi", "hello", "yes", "new", "old", "good", "bad"),
        *("high", "low", "fast", "slow", "long", "short", "big", "small", "best", "worst"),
        # The app's own nouns and verbs.
        *("app", "apps", "team", "teams", "repo", "repos", "repository", "repositories"),
        *("service", "services", "environment", "environments", "env", "prod", "production"),
        *("staging", "size", "sizes", "author", "authors", "reviewer", "reviewers", "user"),
        *("deploy", "deploys", "deployed", "deploying", "deployment", "deployments", "release"),
        *("releases", "released", "ship", "shipped", "change", "changes", "changed", "lead"),
        *("failure", "failures", "failed", "rate", "rates", "frequency", "recovery", "restore"),
        *("incident", "incidents", "outage", "outages", "review", "reviews", "reviewed"),
        *("reviewing", "merge", "merges", "merged", "merging", "pr", "prs", "pull", "pulls"),
        *("request", "requests", "commit", "commits", "code", "dora", "metric", "metrics"),
        *("throughput", "pickup", "rework", "flow", "load", "trend", "trends", "summary"),
        *("median", "average", "mean", "total", "number", "count", "percent", "percentage"),
        *("open", "opened", "closed", "stale", "waiting", "stuck", "fix", "fixes", "bug", "bugs"),
        *("work", "branch", "branches", "main", "master", "pipeline", "build", "builds", "test"),
        *("tests", "engineering", "cycle", "hours", "minutes", "sev1", "sev2", "severity"),
        *("winter", "summer", "spring", "autumn", "fall", "holidays", "christmas"),
    }
)
