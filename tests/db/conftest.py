"""The data-model tests use the shared Pulse database fixtures (tests/pulse_db.py,
registered in tests/conftest.py); these names are re-exported for the tests' imports."""

from tests.pulse_db import BACKEND_PASSWORD, PulseDb, TenantFactory, unique_slug

__all__ = ["BACKEND_PASSWORD", "PulseDb", "TenantFactory", "unique_slug"]
