"""Idempotent provisioning of the platform and of tenants in PostgreSQL.

Used by the operator, the ``pulse-db`` CLI and the tests. Every function can
be re-run after a crash at any point and converges to the same state.
"""

from pulse_common.provisioning.access import drop_tenant, revoke_tenant, set_suspended
from pulse_common.provisioning.ensure import ensure_tenant
from pulse_common.provisioning.migrations import migrate_all_tenants, migrate_tenant
from pulse_common.provisioning.models import (
    Branding,
    MigrationProgress,
    SeedProfile,
    TenantProvisioned,
    TenantRequest,
)
from pulse_common.provisioning.platform import BACKEND_ROLE, ensure_platform
from pulse_common.provisioning.registry import list_tenants, tenant_id_of
from pulse_common.provisioning.updates import (
    apply_tenant_branding,
    reset_admin_password,
    update_registry,
)

__all__ = [
    "BACKEND_ROLE",
    "Branding",
    "MigrationProgress",
    "SeedProfile",
    "TenantProvisioned",
    "TenantRequest",
    "apply_tenant_branding",
    "drop_tenant",
    "ensure_platform",
    "ensure_tenant",
    "list_tenants",
    "migrate_all_tenants",
    "migrate_tenant",
    "reset_admin_password",
    "revoke_tenant",
    "set_suspended",
    "tenant_id_of",
    "update_registry",
]
