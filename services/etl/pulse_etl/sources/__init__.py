"""Connectors: HTTP clients and typed response models for Jira and GitHub."""
