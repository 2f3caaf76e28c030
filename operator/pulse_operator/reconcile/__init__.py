"""Reconciliation: plain functions that bring one backend in line with a
PulseTenant. Kopf handlers (``handlers.py``) only call ``tenant.py``."""
