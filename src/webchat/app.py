"""`create_app(settings)`: the gateway, the API server and the Socket.IO server as one ASGI app."""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from webchat import __version__
from webchat.actions.tenants import ensure_demo_tenant
from webchat.api import (
    admin,
    agents,
    attachments,
    contact,
    conversations,
    desk,
    health,
    history,
    pages,
    privacy,
    visitors,
    webhooks,
)
from webchat.api.errors import install_error_handlers
from webchat.api.openapi import install_openapi
from webchat.config import Settings
from webchat.gateway.middleware import BodySizeLimit, NoSniff
from webchat.realtime.emitter import RedisEmitter
from webchat.realtime.server import RealtimeServer
from webchat.services import Services, create_services
from webchat.settings_schemas import MAX_ATTACHMENT_BYTES
from webchat.upkeep import Upkeep

log = logging.getLogger("webchat")

UPLOAD_PATHS = re.compile(r"^/(webchat/attachments|api/conversations/[^/]+/attachments)$")


def create_app(settings: Settings, services: Services | None = None) -> ASGIApp:
    services = services or create_services(settings)
    role = settings.role
    if role == "api" and services.store.embedded:
        raise ValueError("--role api needs WEBCHAT_REDIS_URL: sockets live in other processes")
    realtime = RealtimeServer(services) if role in ("all", "realtime") else None
    if role == "api":
        assert services.store.url is not None
        services.emitter = RedisEmitter(services.store.url, services.node_id)

    upkeep = Upkeep(services)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await services.db.upgrade()
        if settings.demo and role != "realtime":
            creds = await ensure_demo_tenant(services.db, settings.resolved_jwt_secret())
            app.state.demo_public_key = creds.public_key
        if realtime:
            await realtime.start()
        upkeep.start()
        # Everything alive now (modules, app, pools) lives as long as the process: move it
        # out of the collector's sight, so a full collection under load has less to walk.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await upkeep.stop()
            if realtime:
                await realtime.stop()
            await services.close()

    api = FastAPI(
        title="webchat",
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    api.state.services = services
    api.state.realtime = realtime
    install_error_handlers(api)
    api.include_router(health.router)
    routers = [health.router]
    if role != "realtime":
        routes = (
            visitors,
            contact,
            attachments,
            history,
            agents,
            admin,
            privacy,
            conversations,
            desk,
            webhooks,
            pages,
        )
        for module in routes:
            api.include_router(module.router)
            routers.append(module.router)
    install_openapi(api, routers)
    # The widget runs on customers' sites: any origin may call; the gateway then checks
    # the tenant's allowed origins per request. No cookies are used, so no credentials.
    api.add_middleware(
        CORSMiddleware,
        allow_origin_regex=".*",
        allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Session-Token"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    app: ASGIApp = realtime.asgi_app(api) if realtime else api
    return NoSniff(
        BodySizeLimit(
            app,
            settings.max_body_bytes,
            upload_paths=UPLOAD_PATHS,
            # The largest limit a tenant may set, plus the multipart envelope.
            upload_bytes=MAX_ATTACHMENT_BYTES + 64 * 1024,
        )
    )
