"""Who can use a tenant's Pulse: users, their sessions and permissions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from pulse_common.models.base import Deactivatable, TenantBase, TenantRow
from pulse_common.models.enums import ThemeMode, UserRole, checked


class User(TenantRow, Deactivatable, TenantBase):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("email"),
        # Stored lower-case so that the unique constraint is case-insensitive.
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    email: Mapped[str] = mapped_column(String(254), nullable=False)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(checked(UserRole, "user_role"), nullable=False)
    theme_mode: Mapped[ThemeMode] = mapped_column(
        checked(ThemeMode, "theme_mode"), nullable=False, server_default=ThemeMode.system.value
    )
    must_change_password: Mapped[bool] = mapped_column(nullable=False, server_default="false")
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # How many times every device of the user was distrusted (password
    # changed or set, user deactivated): a device token issued at another
    # count is not trusted, even if Redis missed the revocation
    # (``pulse_backend.devices``).
    device_revocations: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")


class UserSession(TenantRow, Deactivatable, TenantBase):
    __tablename__ = "users_sessions"
    __table_args__ = (UniqueConstraint("token_hash"),)

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(128), nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(400))


class UserPermission(TenantRow, Deactivatable, TenantBase):
    __tablename__ = "users_permissions"
    __table_args__ = (UniqueConstraint("user_id", "resource", "action"),)

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    resource: Mapped[str] = mapped_column(String(100), nullable=False)
    action: Mapped[str] = mapped_column(String(50), nullable=False)
