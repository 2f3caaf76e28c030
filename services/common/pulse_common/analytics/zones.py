"""One name per time zone. tz keeps a zone's former and alternative names as
links (its ``backward`` file: ``Asia/Calcutta`` → ``Asia/Kolkata``, ``Zulu``
→ ``Etc/UTC``), and browsers report some of them (Chromium: Asia/Calcutta),
so one view asked for under two names got two cache keys and two
stored-insight scopes. ``canonical_zone`` names each zone once.

The links are read from the tz data ``zoneinfo`` itself loads: the first
``tzdata.zi`` (zic's source form, links included) on ``zoneinfo.TZPATH``
(Debian's tzdata package), else the ``tzdata`` Python package's. A name and
its canonical name therefore load the same rules, and PostgreSQL (built on
the system tz data) knows both. With neither file, names are kept as given."""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Iterator
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

UTC = "UTC"
# UTC+0 at every instant: tz keeps Etc/GMT apart from Etc/UTC only for the
# abbreviation it prints, which Pulse never shows. Their one name is the
# API's default, "UTC": what the web app sends when UTC is chosen, and what
# every insight stored before names were canonical was keyed by (tenant
# migration 1bf4516e15f1), rather than tz's file name Etc/UTC.
_UTC_ZONES = frozenset({"Etc/UTC", "Etc/GMT"})


def _sources() -> Iterator[Traversable]:
    for folder in zoneinfo.TZPATH:
        yield Path(folder) / "tzdata.zi"
    try:
        yield resources.files("tzdata") / "zoneinfo" / "tzdata.zi"
    except ModuleNotFoundError:
        return


def _read_links() -> dict[str, str]:
    """alias → the zone it links to (``L TARGET ALIAS`` lines), chains
    followed; empty when no tz source file is found."""
    for source in _sources():
        if source.is_file():
            return parse_links(source.read_text(encoding="utf-8"))
    return {}


def parse_links(zi: str) -> dict[str, str]:
    """The links of a ``tzdata.zi``, each to the zone at the end of its chain."""
    links = {}
    for line in zi.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[0] == "L":
            links[fields[2]] = fields[1]
    for alias, target in links.items():
        seen = {alias}
        while target in links and target not in seen:  # a link to a link
            seen.add(target)
            target = links[target]
        links[alias] = target
    return links


@functools.cache
def links() -> dict[str, str]:
    """The tz data's links (read once per process)."""
    return _read_links()


def canonical_zone(name: str) -> str:
    """The one name of ``name``'s zone: the zone a link points to, ``UTC``
    for UTC and GMT under any of their names, else ``name`` itself."""
    zone = links().get(name, name)
    return UTC if zone in _UTC_ZONES else zone


@functools.cache
def _names() -> dict[str, frozenset[str]]:
    by_zone: dict[str, set[str]] = {}
    for name in [*links(), *links().values(), *_UTC_ZONES]:
        by_zone.setdefault(canonical_zone(name), set()).add(name)
    return {zone: frozenset(names | {zone}) for zone, names in by_zone.items()}


def zone_names(canonical: str) -> frozenset[str]:
    """Every name of the zone named ``canonical`` (``canonical_zone``'s
    answer), itself included."""
    return _names().get(canonical, frozenset({canonical}))
