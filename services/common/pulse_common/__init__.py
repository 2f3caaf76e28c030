"""What several Pulse components share: settings, logging, database, tenancy."""
