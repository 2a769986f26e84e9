"""Redis: sessions, presence and message streams. Only this package imports redis."""

from webchat.store.client import Store, StoreUnavailable, connect_store

__all__ = ["Store", "StoreUnavailable", "connect_store"]
