"""`webchat.realtime.json_codec`: orjson, falling back to `json` for what orjson refuses
(python-socketio installs the codec for the whole process)."""

from __future__ import annotations

import json

from webchat.realtime.json_codec import OrjsonCodec


def test_round_trips_ordinary_payloads_compactly() -> None:
    payload = {"text": "héllo 🎉", "n": [1, 2.5, None, True]}
    text = OrjsonCodec.dumps(payload, separators=(",", ":"))
    assert " " not in text.replace("héllo 🎉", "")
    assert OrjsonCodec.loads(text) == payload


def test_integers_past_64_bits_and_lone_surrogates_still_encode() -> None:
    payload = {"big": 2**70, "odd": "a\ud800b"}
    assert json.loads(OrjsonCodec.dumps(payload)) == payload


def test_lone_surrogates_decode_so_validation_can_answer() -> None:
    assert OrjsonCodec.loads('{"text": "broken \\ud800 text"}') == {"text": "broken \ud800 text"}
