"""The backend's views over the metrics engine (``pulse_common.analytics``):
trends, the executive summary and its stored insights, work-item flow, and
the guard on admin-supplied patterns. Only the backend uses these; what the
ETL also runs (the metrics ML monitoring watches) lives in pulse_common so
that a tenant's ETL image does not ship the backend.
"""
