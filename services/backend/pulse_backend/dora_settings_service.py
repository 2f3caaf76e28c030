"""The tenant's DORA rules (``dora_settings``) through the API: read them,
and replace them as an admin. A change relinks at once (commit ranges,
first deployments, incident links and markers all follow the rules), in the
same transaction as the new row, so a reader sees old rules with old links
or new rules with new links, never a mix; then the data version is bumped
so that no cached figure computed under the old rules is served again."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql import insert

from pulse_backend import events, response_cache
from pulse_backend.analytics.patterns import check_pattern
from pulse_backend.context import Principal
from pulse_backend.db import tenant_write
from pulse_backend.state import AppClients
from pulse_common.dora.link import RelinkReport, relink
from pulse_common.dora.settings import DoraRules, load_rules
from pulse_common.models.base import table_of
from pulse_common.models.tenant_dora import DoraSettings

# The ETL's relink lock (pulse_etl.jobs.derive): a settings change and a
# sync's relink take turns instead of racing over the same link rows.
RELINK_LOCK = "pulse-etl:dora-relink"
_SETTINGS = table_of(DoraSettings)


class DoraSettingsIn(DoraRules):
    """Every field, as ``DoraRules`` validates it (a bad pattern names its
    field), and patterns of a shape that cannot stall relink
    (``analytics.patterns``); omitted fields take the defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @field_validator("production_pattern", "hotfix_pattern", "revert_pattern")
    @classmethod
    def _safe(cls, v: str) -> str:
        if "\x00" in v:
            raise ValueError("must not contain U+0000")
        return check_pattern(v)


class DoraSettingsOut(BaseModel):
    rules: DoraRules
    relinked: RelinkReport | None = None


def read(conn: Connection) -> DoraSettingsOut:
    return DoraSettingsOut(rules=load_rules(conn))


def replace(clients: AppClients, principal: Principal, body: DoraSettingsIn) -> DoraSettingsOut:
    rules = DoraRules.model_validate(body.model_dump())
    values = rules.model_dump(mode="json")
    committed: list[str] = []
    with tenant_write(clients, principal, committed) as conn:
        conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:k || current_schema()))"),
            {"k": RELINK_LOCK},
        )
        conn.execute(
            insert(_SETTINGS)
            .values(tenant_id=principal.tenant_id, **values)
            .on_conflict_do_update(index_elements=["singleton"], set_=values)
        )
        report = relink(conn, principal.tenant_id, rules)
    try:
        # With the relink's WAL position: another user's read on a replica
        # that has not replayed it must not cache the old figures anew.
        lsn = committed[0] if committed else None
        response_cache.bump_data_version(clients.redis, principal.slug, lsn)
    except Exception:
        clients.metrics.redis_errors.labels("data_version_not_bumped").inc()
    events.publish(clients.redis, clients.metrics, principal.slug, "settings.changed", what="dora")
    return DoraSettingsOut(rules=rules, relinked=report)
