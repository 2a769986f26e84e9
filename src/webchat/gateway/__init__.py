"""The gateway: credentials, origins, identity checks and request limits, shared by the
HTTP routes and the Socket.IO handshake so both take the same path."""

from webchat.gateway.credentials import Principal, authenticate_bearer, authenticate_key

__all__ = ["Principal", "authenticate_bearer", "authenticate_key"]
