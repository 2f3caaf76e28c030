"""Reconciliation: plain functions that bring one backend in line with a
PulseTenant. Kopf handlers (``handlers.py``) only call ``tenant.py``, after
``parts.py`` has said what a spec change touches; ``tenant.py`` runs the
backend steps of ``steps.py``."""
