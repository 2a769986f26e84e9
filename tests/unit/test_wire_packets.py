"""`webchat.wire.packets` and `webchat.wire.frames`: the text the clients read and write."""

from __future__ import annotations

import json
import os

import pytest

from webchat.wire import frames
from webchat.wire.packets import (
    UNKNOWN_EVENT,
    UNREADABLE,
    PacketError,
    ack_packet,
    connect_error_packet,
    dumps,
    event_packet,
    loads,
    parse_socket_packet,
)


def test_round_trips_ordinary_payloads_compactly() -> None:
    payload = {"text": "héllo 🎉", "n": [1, 2.5, None, True]}
    text = dumps(payload)
    assert " " not in text.replace("héllo 🎉", "")
    assert loads(text) == payload


def test_integers_past_64_bits_and_lone_surrogates_still_encode() -> None:
    payload = {"big": 2**70, "odd": "a\ud800b"}
    assert json.loads(dumps(payload)) == payload


def test_lone_surrogates_decode_so_validation_can_answer() -> None:
    assert loads('{"text": "broken \\ud800 text"}') == {"text": "broken \ud800 text"}


def test_packets_are_socketio_v5_text() -> None:
    assert event_packet("typing", {"isTyping": True}) == '42["typing",{"isTyping":true}]'
    assert ack_packet(17, {"ok": True}) == '4317[{"ok":true}]'
    assert connect_error_packet("No.", {"error": {}}) == '44{"message":"No.","data":{"error":{}}}'
    assert connect_error_packet("Invalid namespace", namespace="/x") == (
        '44/x,{"message":"Invalid namespace"}'
    )


@pytest.mark.parametrize(
    ("text", "kind", "namespace", "ack_id", "data"),
    [
        ("0", "0", "/", None, None),
        ('0{"apiKey":"k"}', "0", "/", None, {"apiKey": "k"}),
        ('2["message",{"a":1}]', "2", "/", None, ["message", {"a": 1}]),
        ('212["message",{}]', "2", "/", 12, ["message", {}]),
        ('2/admin,3["x"]', "2", "/admin", 3, ["x"]),
        ("0/admin,", "0", "/admin", None, None),
        ("1", "1", "/", None, None),
    ],
)
def test_parses_what_clients_send(
    text: str, kind: str, namespace: str, ack_id: int | None, data: object
) -> None:
    packet = parse_socket_packet(text)
    assert (packet.kind, packet.namespace, packet.ack_id, packet.data) == (
        kind,
        namespace,
        ack_id,
        data,
    )


@pytest.mark.parametrize("body", ["{}", "[]", "[1]", "[{}]"])
def test_events_without_a_readable_name_are_still_acked(body: str) -> None:
    packet = parse_socket_packet("25" + body)
    assert packet.ack_id == 5
    assert packet.data == [UNKNOWN_EVENT, UNREADABLE]


def test_an_unreadable_payload_keeps_its_event_name() -> None:
    packet = parse_socket_packet('27["message", {"text": 1e999999999999999999x}]')
    assert packet.data == ["message", UNREADABLE]


@pytest.mark.parametrize("text", ["", "9", "x2[]"])
def test_unknown_packet_types_are_errors(text: str) -> None:
    with pytest.raises(PacketError):
        parse_socket_packet(text)


def _client_frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    n = len(payload)
    head = bytes(((0x80 if fin else 0) | opcode,))
    if n < 126:
        head += bytes((0x80 | n,))
    elif n < 65536:
        head += bytes((0x80 | 126,)) + n.to_bytes(2, "big")
    else:
        head += bytes((0x80 | 127,)) + n.to_bytes(8, "big")
    return head + mask + masked


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536])
def test_frame_reader_unmasks_frames_of_every_length_class(size: int) -> None:
    payload = os.urandom(size)
    reader = frames.FrameReader(max_size=1 << 20)
    data = _client_frame(frames.BINARY, payload)
    # Fed a byte at a time across the header, then the rest: reads resume mid-frame.
    out = [m for b in data[:12] for m in reader.feed(bytes([b]))] + reader.feed(data[12:])
    assert out == [(frames.BINARY, payload)]


def test_frame_reader_joins_fragments_and_passes_control_frames_between() -> None:
    reader = frames.FrameReader(max_size=1024)
    data = (
        _client_frame(frames.TEXT, b"he", fin=False)
        + _client_frame(frames.PING, b"p")
        + _client_frame(frames.CONTINUATION, b"llo")
    )
    assert reader.feed(data) == [(frames.PING, b"p"), (frames.TEXT, b"hello")]


def test_frame_reader_refuses_unmasked_and_oversized_frames() -> None:
    with pytest.raises(frames.FrameError) as unmasked:
        frames.FrameReader(1024).feed(frames.text_frame("hi"))
    assert unmasked.value.code == frames.PROTOCOL_ERROR
    with pytest.raises(frames.FrameError) as big:
        frames.FrameReader(10).feed(_client_frame(frames.TEXT, b"x" * 11))
    assert big.value.code == frames.TOO_BIG


def test_server_frames_are_unmasked_with_the_shortest_length() -> None:
    assert frames.text_frame("hi") == b"\x81\x02hi"
    assert frames.frame(frames.TEXT, b"x" * 126)[:4] == b"\x81\x7e\x00\x7e"
    assert frames.frame(frames.TEXT, b"x" * 65536)[:2] == b"\x81\x7f"
    assert frames.accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
