"""Pulse Kopf operator: turns each PulseTenant into a provisioned tenant."""
