"""Loading: bulk upserts into the tenant's tables."""
