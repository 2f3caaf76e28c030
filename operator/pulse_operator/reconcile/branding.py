"""``spec.branding`` as the tenant gets it. The API refuses a primary colour
the page would swallow (422 ``primary_color_invisible``); a spec is not
refused (the CRD only checks #RRGGBB, and the rest of the tenant must still
be provisioned), so the operator applies the same rule
(``pulse_common.branding.invisible_primary``), keeps the default primary
colour instead, and says so in the ``BrandingReady`` condition (the status
message and a Warning event name the field)."""

from __future__ import annotations

from pulse_common.branding import invisible_primary, palettes
from pulse_common.provisioning.models import Branding
from pulse_operator.reconcile.status import BRANDING, Check
from pulse_operator.spec import Tenant

FIELD = "spec.branding.primaryColor"


def effective(tenant: Tenant) -> tuple[Branding, Check]:
    """The branding to write, and the condition that reports it."""
    wanted = tenant.spec.branding.to_branding()
    found = invisible_primary(palettes(wanted))
    if found is None:
        return wanted, Check(BRANDING, True, "Applied", "colours and logo applied")
    default = Branding().primary_color
    message = (
        f"{FIELD}: {found.explain()}; the default {default} is used instead until "
        "a clearly darker or more colourful one is set"
    )
    kept = wanted.model_copy(update={"primary_color": default})
    return kept, Check(BRANDING, False, "PrimaryColorInvisible", message)
