"""A WebSocket handshake behind a proxy: the client address is read as uvicorn's HTTP side
reads it (`--forwarded-allow-ips`), so per-IP limits count visitors, not the proxy."""

from __future__ import annotations

from types import SimpleNamespace

from webchat.wire.websocket import _trusted_proxies


def test_only_a_trusted_proxy_may_name_the_client() -> None:
    config = SimpleNamespace(proxy_headers=True, forwarded_allow_ips="10.0.0.1")
    trusted = _trusted_proxies(config)
    assert trusted is not None
    assert "10.0.0.1" in trusted and "10.0.0.2" not in trusted
    assert trusted.get_trusted_client_address("203.0.113.9, 10.0.0.1")[0] == "203.0.113.9"
    assert _trusted_proxies(config) is trusted  # one per process, not per connection


def test_proxy_headers_off_trusts_nobody() -> None:
    assert _trusted_proxies(SimpleNamespace(proxy_headers=False, forwarded_allow_ips="*")) is None
