"""The HTTP API server: routes of CONTRACT §4."""
