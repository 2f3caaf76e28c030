"""The ML monitoring engine: weekly series, robust statistics, anomalies and
self-scored predictions (docs/ml-monitoring.md). Shared because the ETL runs
it after each sync and the backend on demand; the backend's alert and
feedback APIs stay in ``pulse_backend.ml``."""
