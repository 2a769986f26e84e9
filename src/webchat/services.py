"""Everything a request handler needs, built once per app by `create_services`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from webchat.actions.events import Emitter, NullEmitter
from webchat.actions.settings import SettingsCache
from webchat.config import Settings
from webchat.db import Database
from webchat.db.writer import MessageWriter
from webchat.files.signing import LinkSigner
from webchat.files.storage import Storage, open_storage
from webchat.gateway.rate_limits import RateLimiter
from webchat.gateway.tokens import TokenIssuer
from webchat.ids import new_ulid
from webchat.metrics import Metrics
from webchat.store import Store, connect_store
from webchat.store.streams import StreamAppender

# How often a tenant's refused sends may look for a stored message of theirs, per process.
STORED_RETRY_LOOKS = "60/minute"


@dataclass
class Services:
    settings: Settings
    db: Database
    store: Store
    tokens: TokenIssuer
    metrics: Metrics
    visitor_limiter: RateLimiter
    login_limiter: RateLimiter
    signin_failure_limiter: RateLimiter
    session_limiter: RateLimiter
    refusal_limiter: RateLimiter
    transcript_limiter: RateLimiter
    tenant_limiter: RateLimiter
    stored_retry_limiter: RateLimiter
    writer: MessageWriter
    streams: StreamAppender
    settings_cache: SettingsCache
    storage: Storage
    links: LinkSigner
    # Replaced by the Socket.IO server (or its write-only Redis manager) when the app starts.
    emitter: Emitter = field(default_factory=NullEmitter)
    node_id: str = field(default_factory=new_ulid)

    async def close(self) -> None:
        await self.writer.close()
        await self.streams.close()
        await self.store.close()
        await self.storage.close()
        await self.db.close()


def create_services(settings: Settings) -> Services:
    db = Database(settings.resolved_database_url)
    store = connect_store(None if settings.embedded_redis else settings.redis_url)
    # Keys the hashes of what limits count (IP addresses, e-mails): derived from the secret.
    limits_key = hashlib.blake2b(
        settings.resolved_jwt_secret().encode(), person=b"webchat-limits"
    ).digest()
    return Services(
        settings=settings,
        db=db,
        writer=MessageWriter(db),
        store=store,
        streams=StreamAppender(store),
        settings_cache=SettingsCache(db),
        storage=open_storage(settings.storage_url, settings.data_dir),
        links=LinkSigner(settings.resolved_jwt_secret()),
        tokens=TokenIssuer(settings.resolved_jwt_secret()),
        metrics=Metrics(),
        visitor_limiter=RateLimiter(settings.visitor_rate_limit, store, "visitor", limits_key),
        # Online password guessing: a person retries a few times, a script thousands.
        login_limiter=RateLimiter("10/minute", store, "login", limits_key),
        # Failed sign-ins per client IP: a script trying many accounts from one address.
        signin_failure_limiter=RateLimiter("30/minute", store, "signin-ip", limits_key),
        session_limiter=RateLimiter(settings.session_rate_limit, store, "session", limits_key),
        # Wrong fingerprints and forged userHashes per IP: a widget never sends one (its
        # fingerprint is its own), a script guessing or locking out sessions sends many.
        refusal_limiter=RateLimiter("30/minute", store, "refusal", limits_key),
        transcript_limiter=RateLimiter("3/hour", store, "transcript", limits_key),
        tenant_limiter=RateLimiter(settings.tenant_rate_limit, store, "tenant", limits_key),
        # Looks for a stored message behind a refused send (actions/messages.py), per
        # tenant and process: no Redis call for what only saves a retry a wait.
        stored_retry_limiter=RateLimiter(STORED_RETRY_LOOKS, None, "stored-retry"),
    )
