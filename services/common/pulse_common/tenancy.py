"""How a tenant slug maps to the names of its resources, validated once.

A slug is a lowercase DNS label of 3-30 characters (the ``PulseTenant`` name).

Every name is injective by construction, within the namespace it lives in:

- PostgreSQL identifiers get ``-`` replaced by ``_``; slugs never contain
  ``_``, so ``ident`` is one-to-one.
- The two roles share one namespace: the login role is ``tenant_<ident>`` and
  the owner role ``tenant_<ident>$owner``. ``$`` is in no ident, so no login
  role equals any owner role, and the part before ``$`` gives the slug back.
  (The old owner name ``tenant_<ident>_owner`` was the login role of the
  tenant ``<slug>-owner``: see ``legacy_owner_role``.)
- The Redis key prefix ``t:<slug>:`` ends with ``:``, which no slug holds,
  so no tenant's prefix is a prefix of another's; slugs hold no glob
  characters either, so ACL patterns match literally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pulse_common.errors import InvalidInput
from pulse_common.patterns import worded

SLUG_RE = re.compile(
    worded(
        r"^[a-z]([-a-z0-9]{1,28})[a-z0-9]$",
        "use 3-30 lowercase letters, digits and dashes, starting with a letter "
        "and ending with a letter or digit",
    )
)


def validate_slug(slug: str) -> str:
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        raise InvalidInput(
            f"invalid tenant slug {slug!r}: must be 3-30 characters of lowercase letters, "
            "digits and '-', starting with a letter and ending with a letter or digit"
        )
    return slug


@dataclass(frozen=True)
class TenantNames:
    slug: str

    def __post_init__(self) -> None:
        validate_slug(self.slug)

    @property
    def _ident(self) -> str:
        return self.slug.replace("-", "_")

    @property
    def schema(self) -> str:
        return f"tenant_{self._ident}"

    @property
    def login_role(self) -> str:
        """The role the tenant's workloads log in as: data rights only."""
        return f"tenant_{self._ident}"

    @property
    def owner_role(self) -> str:
        """NOLOGIN role that owns the schema and runs its migrations."""
        return f"tenant_{self._ident}$owner"

    @property
    def legacy_owner_role(self) -> str:
        """The owner role's name before issue 8 (ambiguous; renamed on upgrade)."""
        return f"tenant_{self._ident}_owner"

    @property
    def redis_user(self) -> str:
        return f"tenant_{self._ident}"

    @property
    def key_prefix(self) -> str:
        return f"t:{self.slug}:"

    # The names the ETL writes and the backend reads: one definition, so
    # that a rename cannot leave one side talking to an empty key.
    @property
    def events_channel(self) -> str:
        """Pub/sub channel of sync progress and data-changed events."""
        return f"{self.key_prefix}events"

    @property
    def data_version_key(self) -> str:
        """Counter bumped after each load; the backend's caches key on it."""
        return f"{self.key_prefix}data_version"

    @property
    def data_lsn_key(self) -> str:
        """The primary's WAL position after the load that last bumped the
        data version (set with it): a read cached under that version must
        see at least this much of the WAL."""
        return f"{self.key_prefix}data_lsn"

    @property
    def collection(self) -> str:
        return f"tenant_{self._ident}"

    @property
    def namespace(self) -> str:
        return f"tenant-{self.slug}"


def quote_ident(name: str) -> str:
    """Double-quotes a PostgreSQL identifier (names here are validated anyway)."""
    return '"' + name.replace('"', '""') + '"'


def ownership_mark(tenant_id: int) -> str:
    """What a tenant's schema and roles carry as COMMENT: destructive steps
    compare it with the registry id before they drop anything."""
    return f"pulse.tenant_id={tenant_id}"
