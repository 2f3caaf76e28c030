"""Pulse Kopf operator: turns each PulseTenant into a provisioned tenant.

``kopf run -m pulse_operator --all-namespaces`` imports this package, which
registers the handlers.
"""

from pulse_operator import handlers

__all__ = ["handlers"]
