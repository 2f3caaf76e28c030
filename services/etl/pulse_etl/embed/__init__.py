"""Keeps the tenant's Qdrant collection in step with its rows (see ``queue``)."""
