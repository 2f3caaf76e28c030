"""ML monitoring's backend side: the alert, prediction and model-accuracy
APIs and the agent's learning memory (feedback). The engine that finds
anomalies and makes predictions is ``pulse_common.ml``."""
