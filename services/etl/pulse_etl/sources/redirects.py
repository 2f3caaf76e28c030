"""Which redirects a source client follows. GitHub answers 301 (GET) or 307
(other methods) for a renamed or transferred repository, pointing at
``/repositories/<id>``: refused, a renamed repository failed every run until
an admin noticed. A redirect is followed only to the origin the credentials
are for (the client sends them with every request), at most ``MAX_HOPS``
times in a row; any other is refused and named (``http._classify``)."""

from __future__ import annotations

import httpx

from pulse_etl.errors import RequestRejected
from pulse_etl.sources import answers

# 302/307: "repeat the request verbatim" (GitHub's docs); 301/308 alike for a
# client that stores no URL. 303 (change to GET) is no API's answer here.
FOLLOWED = frozenset({301, 302, 307, 308})
MAX_HOPS = 5


def same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


def target(r: httpx.Response, origin: str | None) -> str | None:
    """The URL a redirect answer sends the request to, when it is followed:
    the same origin as ``origin`` (else the request's own). None otherwise."""
    if r.status_code not in FOLLOWED or "location" not in r.headers:
        return None
    try:
        to = r.url.join(r.headers["location"])
    except httpx.InvalidURL:
        return None
    own = httpx.URL(origin) if origin else r.url
    return str(to) if same_origin(to, own) else None


def too_many(source: str, first: str, last: str) -> RequestRejected:
    """Permanent: a source redirecting in circles does so on the next run too."""
    return RequestRejected(
        source,
        f"{answers.path(first)}: more than {MAX_HOPS} redirects in a row "
        f"(the last to {answers.path(last)}), not followed further",
    )
