"""Use cases. Each takes the session, the acting user and adapters; each owns its commit."""
