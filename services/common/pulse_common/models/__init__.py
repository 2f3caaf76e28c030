"""SQLAlchemy 2.0 table definitions: ``ControlBase`` (schema ``pulse``) and
``TenantBase`` (one schema per tenant, chosen with ``search_path``)."""

from pulse_common.models import (
    control,
    tenant_ai,
    tenant_code,
    tenant_delivery,
    tenant_dora,
    tenant_identity,
    tenant_search,
    tenant_settings,
    tenant_work,
)
from pulse_common.models.base import CONTROL_SCHEMA, ControlBase, TenantBase

__all__ = [
    "CONTROL_SCHEMA",
    "ControlBase",
    "TenantBase",
    "control",
    "tenant_ai",
    "tenant_code",
    "tenant_delivery",
    "tenant_dora",
    "tenant_identity",
    "tenant_search",
    "tenant_settings",
    "tenant_work",
]
