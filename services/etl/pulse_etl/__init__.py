"""Pulse per-tenant ETL service (FastAPI, port 8000)."""
