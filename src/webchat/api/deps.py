"""Typed dependencies: the services, and the caller as the gateway authenticated it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from webchat.errors import forbidden
from webchat.gateway.credentials import Principal, authenticate_bearer, bearer_credential
from webchat.services import Services


async def get_services(request: Request) -> Services:
    # async: FastAPI runs a plain `def` dependency in its thread pool, on every request.
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def client_ip(request: Request) -> str:
    """The client's address: the peer's, or the one a trusted proxy named in
    X-Forwarded-For (uvicorn rewrites the scope; `WEBCHAT_TRUSTED_PROXIES`)."""
    return request.client.host if request.client else "unknown"


async def get_principal(
    services: ServicesDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    origin: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal:
    return await authenticate_bearer(
        services.db, services.tokens, bearer_credential(authorization), origin
    )


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_public_key_principal(principal: PrincipalDep) -> Principal:
    if principal.kind != "public_key":
        raise forbidden("Visitor routes take the tenant's public key.")
    return principal


async def get_staff_principal(principal: PrincipalDep) -> Principal:
    if not principal.is_staff:
        raise forbidden("This route needs the secret key or an agent token.")
    return principal


async def get_admin_principal(principal: PrincipalDep) -> Principal:
    if not principal.is_admin:
        raise forbidden("This route needs the secret key or an admin agent.")
    return principal


PublicKeyDep = Annotated[Principal, Depends(get_public_key_principal)]
StaffDep = Annotated[Principal, Depends(get_staff_principal)]
AdminDep = Annotated[Principal, Depends(get_admin_principal)]
