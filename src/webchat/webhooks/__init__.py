"""Webhooks (CONTRACT §10): signing, the SSRF guard, and the dispatcher every node runs."""
