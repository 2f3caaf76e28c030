"""Whether an object on the server already is what the operator would apply.

The desired manifest must be contained in the observed object: every field
the operator sets has the same value (the server's defaults and other
managers' extra fields do not count), lists element by element and of the
same length. Each manifest also carries a digest of itself
(``pulse.dev/manifest``), so that a field the operator stopped setting is a
difference too, as it is for server-side apply.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

DIGEST = "pulse.dev/manifest"


def with_digest(obj: dict[str, Any]) -> dict[str, Any]:
    blob = json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()
    meta = obj["metadata"]
    annotations = {**meta.get("annotations", {}), DIGEST: hashlib.sha256(blob).hexdigest()[:16]}
    return {**obj, "metadata": {**meta, "annotations": annotations}}


def covers(observed: Any, desired: Any) -> bool:
    if isinstance(desired, dict):
        return isinstance(observed, dict) and all(
            k in observed and covers(observed[k], v) for k, v in desired.items()
        )
    if isinstance(desired, list):
        return (
            isinstance(observed, list)
            and len(observed) == len(desired)
            and all(covers(o, d) for o, d in zip(observed, desired, strict=True))
        )
    return bool(observed == desired)
