"""`webchat.ids`: monotonic ULIDs and canonical UUID text."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from webchat.ids import (
    FINGERPRINT_PATTERN,
    TENANT_ID_PATTERN,
    ULID_PATTERN,
    canonical_uuid,
    new_message_id,
    new_ulid,
    ulid_timestamp_ms,
)


def test_ulids_made_in_a_tight_loop_sort_in_creation_order() -> None:
    made = [new_ulid() for _ in range(20_000)]
    # Far more ids than milliseconds elapsed: many share a millisecond.
    assert len({ulid_timestamp_ms(u) for u in made}) < len(made)
    assert sorted(made) == made
    assert len(set(made)) == len(made)


def test_ulids_from_several_threads_are_unique_and_each_thread_sees_them_increase() -> None:
    per_thread: list[list[str]] = [[] for _ in range(4)]

    def work(out: list[str]) -> None:
        for _ in range(5000):
            out.append(new_ulid())

    threads = [threading.Thread(target=work, args=(out,)) for out in per_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    everything = [u for out in per_thread for u in out]
    assert len(set(everything)) == 20_000
    for out in per_thread:
        assert sorted(out) == out


def test_ulid_shape_and_timestamp() -> None:
    before = time.time_ns() // 1_000_000
    value = new_message_id()
    after = time.time_ns() // 1_000_000
    assert ULID_PATTERN.match(value)
    assert len(value) == 26
    assert before <= ulid_timestamp_ms(value) <= after


def test_ulid_timestamp_decodes_a_known_ulid() -> None:
    # From the ULID spec's README: 01ARYZ6S41 is 1469918176385 ms.
    assert ulid_timestamp_ms("01ARYZ6S41TSV4RRFFQ69G5FAV") == 1469918176385


def test_canonical_uuid_accepts_lowercase_canonical_text() -> None:
    value = str(uuid.uuid4())
    assert canonical_uuid(value) == value
    # Uppercase hex is the same UUID: the canonical text is its lowercase form.
    assert canonical_uuid(value.upper()) == value
    assert canonical_uuid("00000000-0000-0000-0000-000000000000") == (
        "00000000-0000-0000-0000-000000000000"
    )


@pytest.mark.parametrize(
    "value",
    [
        str(uuid.uuid4()).replace("-", ""),
        "{" + str(uuid.uuid4()) + "}",
        "urn:uuid:" + str(uuid.uuid4()),
        str(uuid.uuid4())[:-1],
        str(uuid.uuid4()) + "0",
        " " + str(uuid.uuid4()),
        "not-a-uuid",
        "",
        "g" * 8 + "-0000-0000-0000-" + "0" * 12,
    ],
)
def test_canonical_uuid_refuses_everything_else(value: str) -> None:
    assert canonical_uuid(value) is None


@pytest.mark.parametrize("value", [None, 42, b"00000000-0000-0000-0000-000000000000"])
def test_canonical_uuid_refuses_non_strings(value: object) -> None:
    assert canonical_uuid(value) is None  # type: ignore[arg-type]


def test_tenant_and_fingerprint_patterns() -> None:
    assert TENANT_ID_PATTERN.match("acme")
    assert TENANT_ID_PATTERN.match("a" * 63)
    assert not TENANT_ID_PATTERN.match("a" * 64)
    assert not TENANT_ID_PATTERN.match("a")
    assert not TENANT_ID_PATTERN.match("-acme")
    assert not TENANT_ID_PATTERN.match("Acme")
    assert not TENANT_ID_PATTERN.match("acme:x")
    assert FINGERPRINT_PATTERN.match("Ab_-" * 2)
    assert not FINGERPRINT_PATTERN.match("a" * 7)
    assert FINGERPRINT_PATTERN.match("a" * 128)
    assert not FINGERPRINT_PATTERN.match("a" * 129)
    assert not FINGERPRINT_PATTERN.match("abcdefg!")
