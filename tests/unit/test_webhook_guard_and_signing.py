"""Webhooks' pure parts: which addresses the SSRF guard refuses, the signature, backoff."""

from __future__ import annotations

import hashlib
import hmac
import socket

import pytest

from webchat.webhooks.dispatcher import MAX_BACKOFF_SECONDS, backoff
from webchat.webhooks.signing import new_secret, signature, verify
from webchat.webhooks.ssrf import ForbiddenAddress, GuardedResolver, check_literal, refusal


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.9.9.9",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::7f00:1",
        "2002:7f00:1::",
        "fec0::1",
        "::7f00:1",
    ],
)
def test_private_loopback_link_local_and_multicast_are_refused(address: str) -> None:
    assert refusal(address) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(address) is None


def test_literal_urls_are_checked_without_resolving() -> None:
    with pytest.raises(ForbiddenAddress):
        check_literal("http://[::ffff:127.0.0.1]:8080/x", allow_private=False)
    with pytest.raises(ForbiddenAddress):
        check_literal("http://169.254.169.254/latest", allow_private=False)
    check_literal("http://127.0.0.1:8080/x", allow_private=True)
    check_literal("https://hooks.example.com/x", allow_private=False)  # a name: resolver's job
    with pytest.raises(ForbiddenAddress):  # full-width digits: the client would reach 127.0.0.1
        check_literal("http://\uff11\uff12\uff17.\uff10.\uff10.\uff11:9/", allow_private=False)


async def test_the_resolver_refuses_a_name_that_resolves_to_loopback() -> None:
    resolver = GuardedResolver(allow_private=False)
    try:
        with pytest.raises(ForbiddenAddress, match="resolves to"):
            await resolver.resolve("localhost", 80, socket.AF_UNSPEC)
    finally:
        await resolver.close()
    allowed = GuardedResolver(allow_private=True)
    try:
        assert await allowed.resolve("localhost", 80, socket.AF_INET)
    finally:
        await allowed.close()


def test_signature_is_hmac_of_timestamp_dot_body() -> None:
    secret = new_secret()
    body = b'{"eventId":"x"}'
    header = signature(secret, body, 1_700_000_000)
    expected = hmac.new(secret.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert verify(secret, body, header, now=1_700_000_100)
    assert not verify(secret, body + b" ", header, now=1_700_000_100)
    assert not verify("whsec_other", body, header, now=1_700_000_100)
    assert not verify(secret, body, header, now=1_700_001_000), "too old: a replay"
    assert not verify(secret, body, "v1=abc", now=1_700_000_000)


def test_backoff_doubles_with_jitter_up_to_an_hour() -> None:
    for attempts, base in ((1, 1), (2, 2), (3, 4), (10, 512)):
        delays = [backoff(attempts) for _ in range(50)]
        assert all(0.8 * base <= d <= 1.2 * base for d in delays)
        assert len(set(delays)) > 1, "jittered"
    assert max(backoff(40) for _ in range(50)) <= MAX_BACKOFF_SECONDS
