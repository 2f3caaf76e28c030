"""One name per time zone (``pulse_common.analytics.zones``): the aliases tz
keeps as links (Asia/Calcutta, Zulu, GMT...) are read as their zone's one
name, from the tz data on this machine, so a scope and every key built from
it are the same under any of them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from pulse_common.analytics.scope import Scope, filters_key
from pulse_common.analytics.zones import canonical_zone, links, parse_links, zone_names
from tests.dora.conftest import T0, h

# Every name browsers or people commonly send for UTC, and Chromium's India.
UTC_NAMES = ["UTC", "Etc/UTC", "Etc/Universal", "Universal", "Zulu", "GMT", "Etc/GMT", "UCT"]
# Offsets compared at each month's start over the analytics' reach (800 days).
INSTANTS = [dt.datetime(2025 + m // 12, 1 + m % 12, 1, 12, tzinfo=dt.UTC) for m in range(30)]


def test_the_links_are_tzs_own_not_a_few_typed_ones() -> None:
    # Debian's tzdata.zi holds 151 links, the tzdata package's 253: the
    # whole backward file, whichever this machine has.
    assert len(links()) > 100
    assert links()["Asia/Calcutta"] == "Asia/Kolkata"
    assert links()["US/Pacific"] == "America/Los_Angeles"


def test_every_alias_names_a_zone_with_the_same_offsets() -> None:
    for alias in links():
        one = canonical_zone(alias)
        assert canonical_zone(one) == one, alias
        assert alias in zone_names(one) and one in zone_names(one)
        a, b = ZoneInfo(alias), ZoneInfo(one)
        assert [t.astimezone(a).utcoffset() for t in INSTANTS] == [
            t.astimezone(b).utcoffset() for t in INSTANTS
        ], alias


@pytest.mark.parametrize(
    ("names", "one"),
    [(UTC_NAMES, "UTC"), (["Asia/Calcutta", "Asia/Kolkata"], "Asia/Kolkata")],
)
def test_aliases_are_one_scope_with_one_key(names: list[str], one: str) -> None:
    scopes = [Scope(start=T0, end=h(1), timezone=n, project_ids=(2, 1)) for n in names]
    assert {s.timezone for s in scopes} == {one}
    assert len({s.key() for s in scopes}) == 1
    assert len({s.model_dump_json() for s in scopes}) == 1  # the response cache's params


def test_a_scopes_keys_include_those_stored_under_its_aliases() -> None:
    kolkata = Scope(start=T0, end=h(1), timezone="Asia/Calcutta")
    as_before = filters_key({**kolkata.filters(), "timezone": "Asia/Calcutta"})
    assert kolkata.keys() == {kolkata.key(), as_before}
    boise = Scope(start=T0, end=h(1), timezone="America/Boise")  # a zone of one name
    assert zone_names("America/Boise") == {"America/Boise"}
    assert boise.keys() == {boise.key()}
    # The unfiltered UTC scope keeps the key every earlier insight has.
    assert Scope(start=T0, end=h(1)).timezone == "UTC"


def test_an_unknown_zone_is_still_refused() -> None:
    for name in ["Asia/Calcuta", "utc", "Mars/Olympus"]:
        with pytest.raises(ValidationError, match="timezone"):
            Scope(start=T0, end=h(1), timezone=name)


def test_links_to_links_end_at_the_zone() -> None:
    zi = "Z Europe/Kyiv 2:2:4 - LMT\nL Europe/Kyiv Europe/Kiev\nL Europe/Kiev Europe/Zaporozhye\n"
    assert parse_links(zi) == {"Europe/Kiev": "Europe/Kyiv", "Europe/Zaporozhye": "Europe/Kyiv"}
