"""What a PulseTenant change touches (``Part``): everything on create and
resume, only the parts a spec field concerns on update (``FIELD_PARTS``,
read from Kopf's diff by ``parts_for_diff``). Separate from the steps
because the handlers decide the parts before any step runs, and a new spec
field needs a line here, not a read of the reconcile."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any


class Part(enum.StrEnum):
    database = "database"
    registry = "registry"
    suspension = "suspension"
    branding = "branding"
    cache = "cache"
    vector = "vector"
    workload = "workload"


ALL_PARTS = frozenset(Part)
# spec field -> what a change of it needs.
FIELD_PARTS: dict[str, frozenset[Part]] = {
    "displayName": frozenset({Part.registry}),
    "tier": frozenset({Part.registry, Part.workload}),
    # Suspension revokes every credential (and resumption restores them).
    "suspended": frozenset({Part.suspension, Part.workload, Part.cache, Part.vector}),
    "branding": frozenset({Part.branding}),
    "etl": frozenset({Part.workload}),
    "integrations": frozenset({Part.workload}),
    "admin": frozenset({Part.database}),
    "seed": frozenset({Part.database}),
    "vectorStore": frozenset({Part.vector}),
    "deletionPolicy": frozenset(),  # only read at deletion
}


def parts_for_diff(diff: Iterable[tuple[Any, ...]]) -> frozenset[Part]:
    parts: set[Part] = set()
    for _op, path, _old, _new in diff:
        path = tuple(path)
        if path[:1] != ("spec",):
            continue
        if len(path) == 1:
            return ALL_PARTS
        parts |= FIELD_PARTS.get(str(path[1]), ALL_PARTS)
    return frozenset(parts)
