"""The data pages (overview, DORA detail, engineering, work items) in
chromium against the real backend, on a tenant seeded with the demo
profile: real figures, light and dark with axe, filters that change the
figures, drill-down links to the source, keyboard and phone width."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from tests.backend.test_branding import ratio
from tests.frontend.conftest import Stack, Tenant, run_browser


def _run(name: str, stack: Stack, t: Tenant) -> dict[str, object]:
    return run_browser(name, stack, tenant=t.slug, email=t.admin_email, password=t.password)


def test_data_pages_render_demo_figures_light_and_dark(stack: Stack, demo: Tenant) -> None:
    r = _run("dataPages", stack, demo)
    assert r["violations"] == [], r["violations"]
    assert r["consoleErrors"] == []
    seen = r["seen"]
    assert isinstance(seen, dict)
    for key, page in seen.items():
        assert page["errors"] == [], (key, page["errors"])
        assert page["empties"] == [], (key, page["empties"])
    overview = seen["/ light"]["text"]
    for title in ("Deployment frequency", "Lead time for changes", "Change failure rate"):
        assert title in overview
    # Real levels from the demo story, not placeholders.
    assert any(level in overview.lower() for level in ("elite", "high", "medium", "low"))
    assert "Insights" in overview
    assert "PRs merged" in seen["/engineering light"]["text"]
    assert "Work in progress" in seen["/work-items light"]["text"]
    # One date format across the app: "Sep 3, 2026", as the drill-downs, not "9/3/2026".
    started = seen["/work-items light"]["started"]
    assert started and all(re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}, \d{4}", d) for d in started), (
        started
    )
    # A lead time step's sample in one wording on both pages: "median of 84"
    # on the DORA page, "median of 87 PRs" on engineering's.
    for path in ("/dora/lead-time", "/engineering"):
        samples = re.findall(r"median of [\d,]+\S*(?: \w+)?", seen[f"{path} light"]["text"])
        assert samples and all(re.fullmatch(r"median of [\d,]+ PRs?", m) for m in samples), (
            path,
            samples,
        )
    # A figure without a level says why, beside the badge.
    rework = seen["/dora/rework-rate light"]["text"]
    assert "DORA publishes no levels for rework rate" in rework, rework[:600]
    assert "DORA publishes no levels for rework rate" in overview
    # Recovery time with most incidents open showed "—" beside a LOW badge
    # and "the median is not known yet": a dash now comes with no level, and
    # a level without a value says why.
    [recovery] = seen["/ light"]["recoveryTile"]
    assert "not known yet" not in recovery, recovery
    assert "—" not in recovery or "no level" in recovery, recovery
    if "Still open" in recovery:
        assert "unresolved incidents count as slower than any band" in recovery, recovery
    # The work items' median created → resolved is not DORA's lead time
    # (first commit → deployment): its own name, and a line saying so.
    items = seen["/work-items light"]["text"]
    assert "Time to resolve (median)" in items and "Lead time" not in items, items[:800]
    assert "Neither is DORA's lead time for changes" in items, items[:800]
    # A chart's data table heads its first column with what the bars are.
    heads = {key: page["chartHeads"] for key, page in seen.items()}
    assert all("Bucket" not in h for h in heads.values()), heads
    assert heads["/work-items light"] == ["Week of"], heads
    assert heads["/dora/lead-time light"] == ["Period from", "Lead time"], heads
    # The distribution's caption said the data table's toggle again.
    lead = seen["/dora/lead-time light"]["text"]
    assert lead.count("Lead time of the PRs") == 1, lead
    screenshots = r["screenshots"]
    assert isinstance(screenshots, list) and len(screenshots) == 16
    assert all(Path(p).stat().st_size > 10_000 for p in screenshots)


def test_tile_figures_line_up_in_a_row(stack: Stack, demo: Tenant) -> None:
    """ "Failed deployment recovery time" wraps to three lines at desktop
    width and pushed its figure a line below the others'. At desktop and
    phone width, light and dark: the figures of a row of tiles start at the
    same height (within 1 px), whatever their titles' lines."""
    r = _run("tileFigures", stack, demo)
    assert r["consoleErrors"] == []
    seen = r["seen"]
    assert isinstance(seen, dict) and len(seen) == 2 * 2, sorted(seen)
    for view, rows in seen.items():
        assert sum(len(row) for row in rows) == 5, (view, rows)
        for row in rows:
            tops = [t["figureTop"] for t in row]
            assert max(tops) - min(tops) <= 1, (view, row)
    # The case itself: at desktop width a row holds titles of different lengths.
    for mode in ("light", "dark"):
        assert any(len({t["titleLines"] for t in row}) > 1 for row in seen[f"desktop {mode}"])
    assert len(r["screenshots"]) == 2 * 2
    # At 1440 px the row of tiles reaches the end of the list (a sixth,
    # empty column stood there).
    assert abs(r["wide"]["list"] - r["wide"]["lastTile"]) <= 1, r["wide"]


def test_period_and_filter_change_the_figures(stack: Stack, demo: Tenant) -> None:
    r = _run("filters", stack, demo)
    assert r["consoleErrors"] == []
    assert r["url30"] == "?days=30"
    assert r["period"] == "30"
    assert r["before"] != r["after30"], "the 30-day figures equal the 90-day ones"
    assert r["reloaded"] == r["after30"]
    assert int(str(r["oneRepo"])) < int(str(r["allRepos"]))
    # The previous period's tiles, kept while the new ones load, are dimmed
    # (they stood at full strength under the new period's heading).
    assert r["staleOpacity"]["dimmed"] is not None and r["staleOpacity"]["dimmed"] < 0.5, r
    assert r["staleOpacity"]["shown"] == 1, r


def test_work_items_narrow_to_one_assignee_kept_in_the_url(stack: Stack, demo: Tenant) -> None:
    r = _run("assigneeFilter", stack, demo)
    assert r["consoleErrors"] == []
    names = r["names"]
    # "Everyone", then the assignees' Jira names (the demo's people), sorted.
    assert names[0] == "Everyone" and len(names) > 2 and names[1:] == sorted(names[1:]), names
    one = names[1]
    assert r["everyone"]["assignee"] is None and r["everyone"]["box"] == ""
    assert r["chosen"]["assignee"] == one and r["chosen"]["box"] == one, r["chosen"]
    assert int(r["chosen"]["resolved"]) < int(r["everyone"]["resolved"]), r
    assert r["back"] == r["everyone"], r["back"]
    assert r["forward"] == r["chosen"], r["forward"]
    assert r["shared"]["assignee"] == one and r["shared"]["box"] == one, r["shared"]
    assert r["cleared"]["search"] == "?days=30" and r["cleared"]["box"] == "", r["cleared"]
    assert Path(r["screenshot"]).stat().st_size > 10_000


def test_filter_lists_say_how_to_pick_several_and_hidden_filters_show(
    stack: Stack, demo: Tenant
) -> None:
    """A multi-select list is described by a visible hint (Ctrl/Cmd-click was
    needed and nothing said so), and `?author=nobody`, which no list holds,
    is a removable chip instead of "Clear 1 filter" with nothing selected."""
    r = _run("filterState", stack, demo)
    assert r["consoleErrors"] == []
    assert r["violations"] == [], r["violations"]
    lists = r["lists"]
    assert isinstance(lists, dict) and len(lists) == 2 * 4
    for where, seen in lists.items():
        assert seen["multiple"], where
        assert seen["hint"] and "several" in seen["hint"], (where, seen)
        assert seen["hintVisible"], (where, seen)
    chips = r["chips"]
    assert isinstance(chips, dict) and len(chips) == 4
    for where, seen in chips.items():
        assert seen["visible"], where
        named = [c.replace("\u00d7", "").strip() for c in seen["chips"]]
        assert named == ["author: nobody"], (where, seen)
        assert seen["clear"] == "Clear 1 filter", (where, seen)
    assert r["afterRemove"] == {"search": "", "chips": 0, "clear": 0}


def test_phone_drilldown_keeps_values_and_pager_on_one_line(stack: Stack, demo: Tenant) -> None:
    """At 390 px "3.4 days" broke between number and unit in the drill-down
    tables and the pager's "Next" dropped to a line of its own."""
    r = _run("phoneDrilldown", stack, demo)
    assert r["consoleErrors"] == []
    seen = r["seen"]
    assert isinstance(seen, dict) and len(seen) == 6
    for view, m in seen.items():
        assert m["cells"] > 0 or "deployment-frequency" in view, (view, m)
        assert m["wrapped"] == [], (view, m)
        assert m["pager"] == {"sameLine": True, "countBeside": True, "inside": True}, (view, m)
    assert len(r["screenshots"]) == 6


def test_drilldown_links_to_the_source(stack: Stack, demo: Tenant) -> None:
    r = _run("drilldown", stack, demo)
    links = r["prLinks"]
    assert isinstance(links, list) and links
    for link in links:
        # demo repositories live at https://github.example/demo/<name>
        assert link["href"].startswith("https://github.example/demo/"), link
        assert "/pull/" in link["href"]
        assert link["text"].split("#")[1] == link["href"].rsplit("/", 1)[1]
        assert link["target"] == "_blank" and "noopener" in link["rel"]
    assert all("/commit/" in h for h in r["commitLinks"]) and r["commitLinks"]
    assert str(r["before"]).startswith("Rows 1\u201320 of")
    assert str(r["afterNext"]).startswith("Rows 21\u2013")
    assert int(str(r["trendTable"])) >= 10  # weekly points over 90 days
    assert 0 < int(str(r["monthRows"])) < int(str(r["trendTable"]))
    # Paged to the end by keyboard, the focus stays on Next (it fell to the
    # page's top when Next was disabled under it), and Enter there does nothing.
    last = str(r["lastPage"])
    assert last.startswith("Rows ") and not last.startswith("Rows 1\u2013"), last
    assert r["focusAtEnd"] == "BUTTON Next", r["focusAtEnd"]
    assert r["pressedAtEnd"] == last
    # Another period shows its own first rows, not the old page number's.
    assert str(r["afterPeriod"]).startswith("Rows 1\u201320 of"), r["afterPeriod"]


def test_keyboard_and_phone_width(stack: Stack, demo: Tenant) -> None:
    r = _run("keyboardAndPhone", stack, demo)
    assert r["keyboardPath"] == "/dora/lead-time"
    assert r["violations"] == [], r["violations"]
    widths = r["widths"]
    assert isinstance(widths, dict)
    assert all(w <= 0 for w in widths.values()), widths


def test_phone_charts_readable_text_no_overlapping_labels(stack: Stack, demo: Tenant) -> None:
    """At 390 px the charts are laid out for their width: axis text at least
    10 px high as rendered (a 640-wide drawing scaled down made it ~5 px)
    and no two labels' boxes intersecting."""
    r = _run("phoneCharts", stack, demo)
    assert r["consoleErrors"] == []
    charts = r["charts"]
    assert isinstance(charts, dict)
    for path in ("/dora/lead-time", "/work-items"):
        assert charts[path], f"no chart on {path}"
    for path, figures in charts.items():
        for chart in figures:
            assert chart["axisLabels"] >= 3, (path, chart)
            assert chart["minHeight"] >= 10, (path, chart)
            assert chart["overlaps"] == [], (path, chart)
    # The work items' and engineering's weekly bars: the last date ("Nov 30")
    # was cut to "Nov 3" by the chart's right edge.
    assert r["clipped"] == {path: [] for path in charts}, r["clipped"]
    # The trend's data table (five columns) made the page 31 px wider than
    # the phone once opened: each now scrolls sideways on its own.
    for path, opened in r["tablesOpen"].items():
        assert opened["tables"] >= 1, (path, opened)
        assert opened["overflow"] <= 0, (path, opened)


def test_tenant_branding_applies_from_the_api(stack: Stack, tenant: Tenant) -> None:
    r = _run("branding", stack, tenant)
    assert r["consoleErrors"] == []
    applied = r["applied"]
    assert applied["primary"].upper() == "#7A1FA2" == r["api"]["light"]
    assert applied["activeBackground"] == "rgb(122, 31, 162)"
    assert applied["logo"].startswith('url("data:image/svg+xml')
    assert r["beforeApp"].upper() == "#7A1FA2"
    # The dark scheme's own colours once the mode changes, without a reload.
    assert r["dark"]["primary"].upper() == r["api"]["dark"].upper()
    assert r["dark"]["secondary"].upper() == r["api"]["darkSecondary"].upper()


def _rgb(css: str) -> str:
    r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])
    return f"#{r:02X}{g:02X}{b:02X}"


def test_any_brand_colour_stays_usable_and_white_is_refused(stack: Stack, tenant: Tenant) -> None:
    """White on white made the buttons and the selected navigation item
    vanish; yellow and black must keep both readable and visible."""
    r = _run("brandColours", stack, tenant)
    assert r["consoleErrors"] == []
    assert r["api"]["status"] == 422, r["api"]
    assert r["api"]["body"]["errors"][0]["field"] == "primary_color"
    for mode in ("light", "dark"):
        refused = r["refused"][mode]
        assert refused["invalid"] == "true" and refused["sent"] == 0, refused
        assert "too close to the light page" in refused["error"], refused
        assert refused["alerts"] == 0, refused  # said once, by the field
        for name in ("normal", "yellow", "black"):
            m = r["measured"][f"{name} {mode}"]
            for part in ("active", "button"):
                fill, text = _rgb(m[part]["background"]), _rgb(m[part]["color"])
                assert ratio(text, fill) >= 4.5, (name, mode, part, fill, text)
            # The selected item stands out from the navigation it sits in.
            assert _rgb(m["active"]["background"]) != _rgb(m["nav"]["background"]), (name, mode, m)
            # Charts' bars and lines stand out 3:1 from their card (WCAG 1.4.11):
            # in pale yellow they were all but invisible on white.
            card = _rgb(m["chart"]["card"])
            for part in ("bar", "line"):
                assert ratio(_rgb(m["chart"][part]), card) >= 3, (name, mode, part, m["chart"])
    assert len(r["screenshots"]) == 8


def test_band_names_clear_the_data_points(stack: Stack, demo: Tenant) -> None:
    """The level band's name was drawn at the band's top right, where the
    last data point sits: on the demo's lead time at phone width "ELITE"
    covered the last week's point. Measured as drawn at desktop and phone
    width, light and dark, by week and by month: no band name's box meets a
    point's marker, and every chart still names its bands."""
    r = _run("bandLabels", stack, demo)
    assert r["consoleErrors"] == []
    seen = r["seen"]
    assert isinstance(seen, dict)
    assert len(seen) == 4 * 2 * 2 * 2, sorted(seen)
    for view, charts in seen.items():
        assert charts, f"no banded chart on {view}"
        for chart in charts:
            assert chart["labels"] and chart["dots"] >= 2, (view, chart)
            assert chart["lastClashes"] == [], (view, chart)
            assert chart["clashes"] == [], (view, chart)
    assert len(r["screenshots"]) == 2 * 2 * 2


def _days(days: float) -> str:
    """The web app's count of days: to a tenth, a whole number bare."""
    return f"{days:.1f}".removesuffix(".0")


def test_partial_periods_are_drawn_as_such(stack: Stack, demo: Tenant) -> None:
    """The range's first week (the range starts on any weekday) and its last
    (the current week) cover only some of their days, and were drawn like
    whole weeks: a last week of one day read as deployment frequency
    collapsing. At desktop and phone width, light and dark, against the
    API's points: a partial point's marker is hollow (filled otherwise), its
    tooltip and data-table row say "partial: N of 7 days" and a whole one's
    do not, the step into it is dashed, the legend names it; the overview's
    sparkline dashes its steps into partial weeks and says the last is one."""
    r = _run("partialPeriods", stack, demo)
    assert r["consoleErrors"] == []
    seen = r["seen"]
    assert isinstance(seen, dict) and len(seen) == 2 * 2, sorted(seen)
    for view, got in seen.items():
        api, drawn = got["api"], got["drawn"]
        # 90 days are not whole weeks: at least one end is partial.
        assert {p["partial"] for p in api} == {True, False}, (view, api)
        assert all(p["period_days"] == 7 for p in api), (view, api)
        assert all((p["days"] < 7) == p["partial"] for p in api), (view, api)
        drawn_points = [p for p in api if p["value"] is not None]
        dots = drawn["dots"]
        assert [d["partial"] for d in dots] == [p["partial"] for p in drawn_points], (view, dots)
        hollow = {d["fill"] for d in dots if d["partial"]}
        filled = {d["fill"] for d in dots if not d["partial"]}
        assert hollow and filled and not hollow & filled, (view, dots)
        for dot, p in zip(dots, drawn_points, strict=True):
            note = f"(partial: {_days(p['days'])} of 7 days)"
            assert dot["title"].endswith(note) if p["partial"] else "partial" not in dot["title"]
        rows = drawn["periods"]
        assert len(rows) == len(api), (view, rows)
        for row, p in zip(rows, api, strict=True):
            note = f"(partial: {_days(p['days'])} of 7 days)"
            assert row.endswith(note) if p["partial"] else "partial" not in row, (view, row, p)
        assert drawn["dashed"] == 1 and "partial period" in drawn["legend"], (view, drawn)
        spark, line = got["spark"], got["sparkline"]
        steps = sum(
            1
            for a, b in itertools.pairwise(spark)
            if a["value"] is not None and b["value"] is not None and (a["partial"] or b["partial"])
        )
        assert steps and line["dashed"] == steps, (view, spark, line)
        if spark[-1]["partial"]:
            assert line["lastHollow"] == 1 and "(the last partial:" in line["label"], (view, line)
    assert len(r["screenshots"]) == 2 * 2 * 2
