"""The tenant log stream's contract: ``t:<slug>:logs``, a capped Redis stream
that the backend's log API reads (``pulse_backend.tenant_logs``), each entry
also published on the pub/sub channel of the same name for live viewers.
Two components write it, the backend (its own log lines) and a tenant's ETL
(its job lines), so the key, the cap and the entry's shape live here."""

from __future__ import annotations

import json
from typing import Any

from pulse_common.tenancy import TenantNames

STREAM_MAXLEN = 5000


def stream_key(slug: str) -> str:
    return f"{TenantNames(slug).key_prefix}logs"


def entry(
    *, timestamp: str, level: str, category: str, event: str, fields: dict[str, Any]
) -> dict[str, str]:
    """One stream entry: flat strings (a stream field holds no structure), the
    extra fields as one JSON object (values that JSON cannot hold as text)."""
    return {
        "timestamp": timestamp,
        "level": level,
        "category": category,
        "event": event,
        "fields": json.dumps(fields, default=str),
    }
