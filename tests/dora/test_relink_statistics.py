"""A relink that flags many PRs refreshes the planner's statistics of
``prs`` (``analyze_prs()``, tenant migration b8e2d4f6a1c3), as the tenant's
login role, which may not ANALYZE the table itself; a small relink leaves
them to autoanalyze."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from pulse_common.dora.link import ANALYZE_AFTER_FLAGS
from pulse_common.provisioning import TenantProvisioned
from pulse_common.tenancy import quote_ident
from tests.dora.conftest import T0, Scenario

N = ANALYZE_AFTER_FLAGS + 200
HOTFIX_FREQ = text(
    """
SELECT f.freq FROM pg_stats s,
     unnest(s.most_common_vals::text::boolean[], s.most_common_freqs) AS f(val, freq)
WHERE s.schemaname = current_schema() AND s.tablename = 'prs' AND s.attname = 'is_hotfix'
  AND f.val
"""
)


def _relink_as_login_role(sc: Scenario, login_role: str) -> None:
    sc.conn.execute(text(f"SET ROLE {quote_ident(login_role)}"))
    try:
        sc.link()
    finally:
        sc.conn.execute(text("RESET ROLE"))


def _titles(sc: Scenario, title: str, where: str) -> None:
    sc.conn.execute(text(f"UPDATE prs SET title = :t || id WHERE {where}"), {"t": title})


def test_a_relink_that_flags_many_prs_analyzes_them(
    sc: Scenario, dora_tenant: TenantProvisioned
) -> None:
    repo = sc.repo("api")
    sc.conn.execute(
        text(
            "INSERT INTO prs (tenant_id, repository_id, number, title, state, created)"
            " SELECT :t, :r, n, 'PR ' || n, 'open', :at FROM generate_series(1, :n) n"
        ),
        {"t": sc.tenant_id, "r": repo, "n": N, "at": T0},
    )
    sc.link()
    # The statistics say no PR is a hotfix (as after a load analyzed before relink).
    sc.conn.execute(text("ANALYZE prs"))
    assert sc.conn.execute(HOTFIX_FREQ).scalar_one_or_none() is None

    _titles(sc, "Hotfix: ", f"number <= {ANALYZE_AFTER_FLAGS}")
    _relink_as_login_role(sc, dora_tenant.login_role)
    # ANALYZE reads every row of a table this small: the exact share (float4).
    share = sc.conn.execute(HOTFIX_FREQ).scalar_one()
    assert share == pytest.approx(ANALYZE_AFTER_FLAGS / N, abs=1e-6)

    # A few flags moving leave the statistics as they were.
    _titles(sc, "PR ", "number <= 10")
    _relink_as_login_role(sc, dora_tenant.login_role)
    assert sc.conn.execute(HOTFIX_FREQ).scalar_one() == share
    flagged = sc.conn.execute(text("SELECT count(*) FROM prs WHERE is_hotfix")).scalar_one()
    assert flagged == ANALYZE_AFTER_FLAGS - 10
