"""Pulse shared backend API (FastAPI, port 3001)."""
