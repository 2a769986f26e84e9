"""`webchat serve`: uvicorn around `create_app`, with a start-up banner."""

from __future__ import annotations

import sys

import uvicorn

from webchat.actions.tenants import DEMO_TENANT_ID, demo_credentials
from webchat.app import create_app
from webchat.config import Settings
from webchat.wire.websocket import WireWebSocket

# HTTP requests and handshakes in progress allowed beside a full node's sockets.
CONNECTIONS_BEYOND_SOCKETS = 2_000


def run_server(settings: Settings) -> int:
    try:
        app = create_app(settings)
    except ValueError as exc:
        print(f"webchat: {exc}", file=sys.stderr)
        return 2
    _print_banner(settings)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        # WebSockets are ours (`webchat.wire`): uvicorn parses the upgrade request and
        # hands the connection over. No per-message deflate (docs/performance.md).
        ws=WireWebSocket,
        lifespan="on",
        access_log=False,
        # SIGTERM: 3 s for open requests, then the lifespan's drain (2.5 s for socket
        # events, 1 s for presence goodbyes, 2.5 s for the writer's queue at most): out
        # within 10 s (CONTRACT §14).
        timeout_graceful_shutdown=3,
        # A hard wall past the sockets' own caps (realtime/caps.py, answered with the §3
        # error): connections that never finish a request (slow-loris) count here too.
        limit_concurrency=settings.max_sockets + CONNECTIONS_BEYOND_SOCKETS,
        # Slow-loris, as far as uvicorn goes: an idle keep-alive connection is closed after
        # 5 s, and a request's head may not grow past 16 KiB. h11 has no timeout for a head
        # trickling in byte by byte: that one is nginx's (client_header_timeout, deploy/).
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=16 * 1024,
        # X-Forwarded-For / -Proto only from the proxies the operator named (uvicorn's
        # own default trusts 127.0.0.1, or FORWARDED_ALLOW_IPS, without anyone asking).
        # HTTP and long-polling get it from uvicorn's middleware rewriting the ASGI
        # scope; WebSocket handshakes (`wire/websocket.py`) read this same config.
        proxy_headers=bool(settings.trusted_proxy_list),
        forwarded_allow_ips=settings.trusted_proxy_list,
    )
    return 0


def _print_banner(settings: Settings) -> None:
    base = f"http://{settings.host}:{settings.port}"
    database = "configured" if settings.database_url else f"embedded SQLite in {settings.data_dir}"
    lines = [
        f"webchat serving on {base} (role: {settings.role})",
        f"  database:       {database}",
        f"  redis:          {'embedded (in-process)' if settings.embedded_redis else 'configured'}",
    ]
    if settings.demo and settings.role != "realtime":
        creds = demo_credentials(settings.resolved_jwt_secret())
        lines += [
            f"  demo page:      {base}/demo",
            f"  agent console:  {base}/console?tenant={DEMO_TENANT_ID}",
            f"  demo tenant:    {DEMO_TENANT_ID}",
            f"  public key:     {creds.public_key}",
            f"  secret key:     {creds.secret_key}",
            f"  agent email:    {creds.agent_email}",
            f"  agent password: {creds.agent_password}",
        ]
    print("\n".join(lines), flush=True)
