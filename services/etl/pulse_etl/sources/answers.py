"""What a source's answer says, read defensively: a wait (``Retry-After``,
``X-RateLimit-Reset``) in any of its forms or none, a host to name, the
source's own words in an error body."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import math

import httpx


def until(at: float, wait: float) -> str:
    """When the source says the run can go on, so the admin knows when to
    start it again; an absurd one (``Retry-After: 1e20``) as its seconds."""
    try:
        when = dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, ValueError, OSError):
        return f"the source asked for {wait:.3g} s"
    return f"the source asked to wait until {when} UTC ({wait:.0f} s)"


def host(url: httpx.URL) -> str:
    if not url.host:
        return url.path  # a relative link: never followed, the base is not the page's
    return f"{url.host}:{url.port}" if url.port else url.host


def epoch(value: str) -> float | None:
    if value.isdigit():
        return float(value)
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def seconds(value: str, now: float) -> float | None:
    """``Retry-After``: delay-seconds, or an HTTP-date (RFC 9110 10.2.3, e.g.
    ``Wed, 21 Oct 2026 07:28:00 GMT``), which ISO parsing does not read: it
    was taken for "no wait" and the refused request was sent again at once.
    None when unreadable ("soon", "nan"): as if the header were absent, not
    "no wait" (the refused request was sent again a second later). A past
    date or a negative delay is no wait; "inf" is a wait the caller refuses."""
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return None if math.isnan(seconds) else max(0.0, seconds)
    try:
        at = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)  # RFC 850 / asctime forms: always GMT
    return max(0.0, at.timestamp() - now)


def path(url: str) -> str:
    return httpx.URL(url).path


def message(body: bytes) -> str:
    """The source's own words, whole: cut after any secret is scrubbed, so
    that no cut-off secret survives."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if isinstance(data, dict):
        if isinstance(data.get("errorMessages"), list) and data["errorMessages"]:
            return str(data["errorMessages"][0])
        if "message" in data:
            return str(data["message"])
    return ""
