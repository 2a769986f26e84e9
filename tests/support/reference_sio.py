"""python-socketio's own server doing the least of our contract, to check the
conformance suite against: it proves the suite tests the protocol, not our server's
habits. Run as `python reference_sio.py <port>`.

- the handshake wants `auth.apiKey == "reference-key"`; otherwise `connect_error` with
  `message` and the error object as `data`, as CONTRACT §5 says;
- a visitor gets a `session` event after connecting;
- `message` is acknowledged `{ok: true, message: {text}}`.
"""

from __future__ import annotations

import sys
from typing import Any

import socketio
import uvicorn

GOOD_KEY = "reference-key"

sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*", logger=False)


@sio.event
async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
    if not isinstance(auth, dict) or auth.get("apiKey") != GOOD_KEY:
        error = {"code": "invalid_api_key", "message": "Invalid API key."}
        raise socketio.exceptions.ConnectionRefusedError(error["message"], {"error": error})
    await sio.emit("session", {"sessionId": auth.get("sessionId")}, to=sid)


@sio.event
async def message(sid: str, data: Any) -> dict[str, Any]:
    return {"ok": True, "message": {"text": data.get("text") if isinstance(data, dict) else None}}


if __name__ == "__main__":
    app = socketio.ASGIApp(sio)
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
