"""Semantic search shared by the ETL (which keeps vectors in step with the
rows) and the backend (which searches and hydrates): what a searchable row's
text and payload are (``documents``) and the Qdrant operations on a tenant's
collection (``vectors``)."""
