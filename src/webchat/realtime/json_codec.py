"""orjson for Socket.IO packets: python-socketio calls `dumps(obj, separators=…)` and `loads`."""

from __future__ import annotations

import json
from typing import Any

import orjson


class OrjsonCodec:
    @staticmethod
    def dumps(obj: Any, **_: Any) -> str:
        return orjson.dumps(obj).decode()

    @staticmethod
    def loads(data: str | bytes, **_: Any) -> Any:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            # orjson refuses lone surrogates that the standard library reads; read them so
            # the payload reaches validation and the sender gets an error ack, not silence.
            return json.loads(data)
