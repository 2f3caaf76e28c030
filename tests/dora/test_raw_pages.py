"""Drill-down pages passed through as JSON text (pulse_common.analytics.raw_pages)."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import TypeAdapter

from pulse_common.analytics.common import DEPLOYMENT_PAGE, parse_page
from pulse_common.analytics.failures import INCIDENT_PAGE
from pulse_common.analytics.raw_pages import (
    RawPage,
    SplicingError,
    pages_of,
    passing_pages,
    splice,
)
from pulse_common.analytics.results import ChangeFailureRate, DeploymentRef, IncidentRef

ROW = (
    '{"id": 7, "external_id": "d7", "repository_id": 1, "environment": "production",'
    ' "commit_sha": "abc", "finished_at": "2026-04-01T00:39:36.5+00:00",'
    ' "source": "deployment", "failed": true, "rework_reasons": []}'
)


def _figure(
    page: tuple[DeploymentRef, ...], incidents: tuple[IncidentRef, ...]
) -> ChangeFailureRate:
    return ChangeFailureRate(
        metric="change_failure_rate",
        value=50.0,
        unit="percent",
        level=None,
        report_year=2024,
        sample_size=2,
        drilldown=page,
        drilldown_total=2,
        failed_deployments=1,
        incidents=incidents,
    )


def test_outside_passing_pages_a_page_is_parsed() -> None:
    page = parse_page(DEPLOYMENT_PAGE, f"[{ROW}]")
    assert not isinstance(page, RawPage)
    assert page[0].finished_at == dt.datetime(2026, 4, 1, 0, 39, 36, 500000, tzinfo=dt.UTC)
    assert parse_page(DEPLOYMENT_PAGE, None) == ()


def test_a_passed_page_is_spliced_into_the_body_where_the_model_would_write_it() -> None:
    adapter = TypeAdapter(ChangeFailureRate)
    with passing_pages() as pages:
        figure = _figure(parse_page(DEPLOYMENT_PAGE, f"[{ROW}]"), parse_page(INCIDENT_PAGE, "[]"))
        assert isinstance(figure.drilldown, RawPage) and isinstance(figure.incidents, RawPage)
        # Python mode (the assistant, insights) sees no rows, never the marker.
        assert figure.model_dump()["drilldown"] == ()
        body = splice(adapter.dump_json(figure), pages)
    parsed = _figure(parse_page(DEPLOYMENT_PAGE, f"[{ROW}]"), ())
    assert adapter.validate_json(body) == parsed
    assert b'"drilldown":[{"id": 7' in body and b'"incidents":[]' in body


def test_a_page_without_its_place_in_the_body_is_an_error_not_a_lost_page() -> None:
    with passing_pages() as pages:
        kept = parse_page(DEPLOYMENT_PAGE, f"[{ROW}]")
        assert isinstance(kept, RawPage)
        # A plain tuple field would have written the page as [].
        body = TypeAdapter(tuple[DeploymentRef, ...]).dump_json(kept)
        assert body == b"[]"
        with pytest.raises(SplicingError, match="page 0"):
            splice(body, pages)


def test_page_fields_are_found_with_their_row_model() -> None:
    assert pages_of(ChangeFailureRate) == {"drilldown": DeploymentRef, "incidents": IncidentRef}
    assert pages_of(DeploymentRef) == {}
