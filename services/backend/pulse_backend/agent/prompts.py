"""The system prompt: what the agent is, how it cites, and the tenant's
corrections that resemble the question."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pulse_backend.agent.memory import Correction

SYSTEM = """You are Pulse's engineering-analytics assistant. Today is {today}.
Answer questions about this team's delivery performance (DORA metrics, pull
requests, deployments, incidents, work items) using only the tools' results.
Plan first, call the tools you need (at most {max_steps} rounds), then answer
briefly. Cite the rows you rely on as [type:id], e.g. [pr:12] or
[incident:3]; never invent numbers, ids or links."""

CORRECTIONS = """Earlier feedback from this team on similar questions (follow it):
{items}"""

OUT_OF_STEPS = (
    "You have used every tool round. Answer now from the results above, "
    "citing the rows as [type:id]."
)


def system_prompt(max_steps: int, corrections: Sequence[Correction]) -> str:
    text = SYSTEM.format(today=dt.datetime.now(dt.UTC).date().isoformat(), max_steps=max_steps)
    if corrections:
        items = "\n".join(f'- Q: "{c.question}" → correction: {c.correction}' for c in corrections)
        text += "\n\n" + CORRECTIONS.format(items=items)
    return text
