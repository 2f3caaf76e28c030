"""DORA and engineering analytics as typed service functions.

Each function takes a SQLAlchemy ``Connection`` already inside the tenant's
schema (``search_path`` set; the backend uses the replica) and a ``Scope``,
and returns a pydantic result that carries its sample size and drill-down.
Routes, caching and the replica choice live in the backend app; definitions
and their sources are in docs/metrics.md. Shared with the ETL, whose ML
monitoring (``pulse_common.ml``) watches these metrics after each sync; the
backend-only views (trends, summary, work items) are ``pulse_backend.analytics``.
"""
