"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from webchat.api.deps import ServicesDep
from webchat.api.openapi import error_responses
from webchat.errors import error_body

router = APIRouter(tags=["operations"], responses=error_responses(503))

# A readiness probe must answer even when a dependency hangs.
READY_TIMEOUT_SECONDS = 2


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "A dependency is down"}})
async def readyz(services: ServicesDep) -> JSONResponse:
    """200 when Redis and the database answer, else 503 naming what failed (CONTRACT §4).
    The body's `status` tells the operator what still works: `degraded` while only
    Redis is down (sends are still accepted and stored, §14), `unavailable` without
    the database."""
    checks = {"database": services.db.ping(), "redis": services.store.ping()}
    failed = []
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check, READY_TIMEOUT_SECONDS)
        except Exception:
            failed.append(name)
    if failed:
        body = error_body("unavailable", f"Not ready: {', '.join(failed)} unavailable.")
        body["failed"] = failed
        body["status"] = "unavailable" if "database" in failed else "degraded"
        for name in checks:
            body[name] = "down" if name in failed else "ok"
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ready", "database": "ok", "redis": "ok"})


@router.get("/metrics", include_in_schema=False)
async def metrics(services: ServicesDep) -> Response:
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)
