"""ML monitoring: predictions, model performance aggregates, anomaly alerts
and the agent's learning memory (feedback)."""
