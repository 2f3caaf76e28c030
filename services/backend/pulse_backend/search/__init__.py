"""Semantic search over the tenant's work items, pull requests and
incidents (``GET /api/v1/search``), with a PostgreSQL full-text fallback."""
