"""No request to private addresses on a tenant's say-so (CONTRACT §10).

A webhook's host is resolved when it is created *and* on every new connection: the
delivery client's resolver (`GuardedResolver`) refuses a host any of whose addresses is
loopback, private, link-local, multicast, reserved or otherwise not public (IPv4, IPv6,
and IPv4-mapped IPv6), so a name that later re-points at 127.0.0.1 gets nothing. An
address written literally in the URL never reaches a resolver, so `check_literal` covers
it. Redirects are not followed. `WEBCHAT_WEBHOOK_ALLOW_PRIVATE=true` lifts all of this
(a receiver on the same host or network).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from yarl import URL

RESOLVE_SECONDS = 5
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class ForbiddenAddress(OSError):
    """The host is, or resolves to, an address webhooks may not reach."""


def refusal(address: str) -> str | None:
    """Why this address may not be reached, or None if it is a public one."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if ip.is_loopback:
        return "a loopback address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in NAT64 or ip.is_site_local or ip in IPV4_COMPATIBLE:
            return "a translated or deprecated IPv6 form"
        # IPv6 forms that carry an IPv4 address: judged by the address they carry.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            ip = embedded
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_private or not ip.is_global:
        return "a private address"
    return None


def url_host(url: str) -> str:
    """The host as the HTTP client will see it (yarl normalises what `urlsplit` keeps:
    full-width digits, IDNA)."""
    host = URL(url).host
    if not host:
        raise ValueError("no host")
    return host


def is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def check_literal(url: str, allow_private: bool) -> None:
    """An IP written in the URL: refused like a resolved one."""
    host = url_host(url)
    if allow_private or not is_literal(host):
        return
    reason = refusal(host)
    if reason:
        raise ForbiddenAddress(f"{host} is {reason}")


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver, refusing hosts that resolve to any non-public address."""

    def __init__(self, allow_private: bool) -> None:
        self._inner = ThreadedResolver()
        self._allow_private = allow_private

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if not self._allow_private:
            for result in results:
                reason = refusal(result["host"])
                if reason:
                    raise ForbiddenAddress(f"{host} resolves to {result['host']}, {reason}")
        return results

    async def close(self) -> None:
        await self._inner.close()


async def check_url(url: str, allow_private: bool) -> None:
    """At creation: the URL's host, literal or resolved, must be public (ForbiddenAddress);
    OSError or TimeoutError when it does not resolve now."""
    check_literal(url, allow_private)
    host = url_host(url)
    if is_literal(host):
        return
    resolver = GuardedResolver(allow_private)
    try:
        async with asyncio.timeout(RESOLVE_SECONDS):
            await resolver.resolve(host, 0, socket.AF_UNSPEC)
    finally:
        await resolver.close()
