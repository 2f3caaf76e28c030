"""Hotfix and revert markers: unplanned work, for the rework rate."""

from __future__ import annotations

import re

from pulse_common.dora.settings import DoraRules


def pr_markers(rules: DoraRules, title: str, branch: str | None) -> tuple[bool, bool]:
    """(is_hotfix, is_revert) of a PR from its title and source branch.

    GitHub's revert button titles PRs ``Revert "..."`` and names the branch
    ``revert-<n>-...``; hotfix conventions use the word in either.
    """
    texts = [title, branch or ""]
    hotfix = any(re.search(rules.hotfix_pattern, t, re.IGNORECASE) for t in texts)
    revert = any(re.search(rules.revert_pattern, t, re.IGNORECASE) for t in texts)
    return hotfix, revert
