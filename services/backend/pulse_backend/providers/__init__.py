"""Data integrations (read-only) and AI / embedding provider configuration."""
