"""orjson for Socket.IO packets: python-socketio calls `dumps(obj, separators=…)` and `loads`.

python-socketio installs the codec on its `Packet` class, i.e. for the whole process, so
it must accept everything the standard library does: what orjson refuses (integers past
64 bits, lone surrogates) falls back to `json`.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


class OrjsonCodec:
    @staticmethod
    def dumps(obj: Any, **_: Any) -> str:
        try:
            return orjson.dumps(obj).decode()
        except TypeError:
            return json.dumps(obj, separators=(",", ":"))

    @staticmethod
    def loads(data: str | bytes, **_: Any) -> Any:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            # Read lone surrogates too, so the payload reaches validation and the sender
            # gets an error ack, not silence.
            return json.loads(data)
