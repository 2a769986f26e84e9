"""orjson for Socket.IO packets: python-socketio calls `dumps(obj, separators=…)` and `loads`.

python-socketio installs the codec on its `Packet` class, i.e. for the whole process, so
it must accept everything the standard library does: what orjson refuses (integers past
64 bits, lone surrogates) falls back to `json`. What neither reads (nesting past the
parsers' depth, a number of thousands of digits) decodes to `[<event name>, UNREADABLE]`,
so the sender's ack says `invalid_request` instead of the packet vanishing in a traceback.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

# What an unparseable event packet is delivered as; `UNKNOWN_EVENT` when even its name
# cannot be read.
UNKNOWN_EVENT = "\x00unreadable"
_EVENT_NAME = re.compile(r'\[\s*"([A-Za-z0-9_:.-]{1,64})"')


class Unreadable:
    def __repr__(self) -> str:
        return "<unreadable JSON>"


UNREADABLE = Unreadable()


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
            pass
        try:
            # Lone surrogates too, so the payload reaches validation and gets an error ack.
            return json.loads(data)
        except (ValueError, RecursionError):
            text = data if isinstance(data, str) else data.decode(errors="replace")
            name = _EVENT_NAME.match(text[:80])
            return [name.group(1) if name else UNKNOWN_EVENT, UNREADABLE]
