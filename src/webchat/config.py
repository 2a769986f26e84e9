"""Settings: one object, read from the environment by a factory, passed around explicitly."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EMBEDDED_REDIS = "embedded"
# A rate in the `limits` notation, as the server's limits and a tenant's `rateLimits` take
# it: "300/minute".
RATE_PATTERN = r"^[1-9][0-9]{0,8}/(second|minute|hour|day)$"
Role = Literal["all", "api", "realtime"]

# A JWT secret shorter than this is too easy to brute-force offline from one token.
MIN_JWT_SECRET_LENGTH = 32
PLACEHOLDER_SECRETS = {"changeme", "changethis", "secret", "please-change-me"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WEBCHAT_", extra="ignore")

    data_dir: Path = Path(".webchat")
    database_url: str = ""
    redis_url: str = EMBEDDED_REDIS
    jwt_secret: str = ""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    role: Role = "all"
    demo: bool = True
    # Reverse proxies and browsers send small bodies; anything bigger is refused early.
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # Per-visitor send limit: far above what a person types, a wall for a flooding script.
    visitor_rate_limit: str = "300/minute"
    # New visitor sessions per client IP (HTTP and handshakes): a page load opens one, an
    # office behind one address opens a few a minute; a script making empty sessions by
    # the thousand is stopped.
    session_rate_limit: str = "600/minute"
    # Messages per tenant, every sender and node together: one noisy tenant (or a script
    # with its public key) cannot take the whole cluster. Far above one node's capacity;
    # size it for the deployment (docs/deploy.md). A tenant's settings may set their own.
    tenant_rate_limit: str = "600000/minute"
    # Sockets one process takes (about 7 KB each, docs/performance.md), and of them one
    # tenant's; past them a handshake is refused (realtime/caps.py). Size for the machine.
    max_sockets: int = Field(default=50_000, ge=1)
    max_tenant_sockets: int = Field(default=20_000, ge=1)
    # How often each node looks for snoozed conversations that are due (CONTRACT §8: they
    # reopen within 60 s of their time). Lower only to make tests quick.
    snooze_check_seconds: float = Field(default=15.0, gt=0, le=60)
    # Where attachments are kept: empty for the data directory, or
    # s3://bucket?endpoint=https://…&region=… for an S3-compatible store.
    storage_url: str = ""
    # E-mail (CONTRACT §9): off unless both are set.
    smtp_url: str = ""
    mail_from: str = ""
    # An agent reply the visitor has not read this long after it was sent is e-mailed.
    email_delay: str = "5m"
    # The first retry after the SMTP server refused; each next one waits twice as long
    # (at most an hour). Lower only to make tests quick.
    email_retry_seconds: float = Field(default=30.0, gt=0, le=3600)
    # The address visitors and agents reach this server at, for links in e-mails.
    public_url: str = ""
    # Webhooks (CONTRACT §10): URLs that resolve to loopback, private or link-local
    # addresses are refused unless this is set (a receiver on the same host or network).
    webhook_allow_private: bool = False
    # How long a failing delivery is retried before it is `failed`. Lower only for tests.
    webhook_retry_seconds: float = Field(default=86400.0, gt=0, le=7 * 86400)
    # How often each node looks for due deliveries.
    webhook_poll_seconds: float = Field(default=0.5, gt=0, le=10)
    # How often a node looks for conversations past their tenant's retentionDays
    # (CONTRACT §12: erased within an hour of becoming due). Lower only for tests.
    retention_check_seconds: float = Field(default=600.0, gt=0, le=3600)
    # Events are kept this many days (the pull API and redeliveries), then pruned.
    event_retention_days: int = Field(default=7, ge=7, le=3650)
    # The reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For and
    # X-Forwarded-Proto are believed: per-IP limits then count the visitor a proxy names.
    # Empty: trust no one, count the peer's own address (a client could otherwise pick
    # any address it likes and escape every per-IP limit).
    trusted_proxies: str = ""
    log_level: str = "info"
    metrics_enabled: bool = True

    @field_validator("data_dir")
    @classmethod
    def check_data_dir(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError("must be a directory (it names a file)")
        return value

    @field_validator("database_url")
    @classmethod
    def check_database_url(cls, value: str) -> str:
        if value and not value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            raise ValueError("must start with postgresql+asyncpg:// or sqlite+aiosqlite://")
        return value

    @field_validator("redis_url")
    @classmethod
    def check_redis_url(cls, value: str) -> str:
        if value != EMBEDDED_REDIS and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis:// or rediss:// URL, or 'embedded'")
        return value

    @field_validator("jwt_secret")
    @classmethod
    def check_jwt_secret(cls, value: str) -> str:
        if value and (len(value) < MIN_JWT_SECRET_LENGTH or value.lower() in PLACEHOLDER_SECRETS):
            raise ValueError(f"must be at least {MIN_JWT_SECRET_LENGTH} random characters")
        return value

    @field_validator("storage_url")
    @classmethod
    def check_storage_url(cls, value: str) -> str:
        if value and not value.startswith("s3://"):
            raise ValueError("must be s3://bucket?endpoint=… (or empty for the data directory)")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def check_trusted_proxies(cls, value: str) -> str:
        for item in split_list(value):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or CIDR network") from None
        return value

    @field_validator("visitor_rate_limit", "session_rate_limit", "tenant_rate_limit")
    @classmethod
    def check_rate(cls, value: str) -> str:
        if not re.fullmatch(RATE_PATTERN, value):
            raise ValueError('must be a rate such as "300/minute" (per second/minute/hour/day)')
        return value

    @field_validator("smtp_url")
    @classmethod
    def check_smtp_url(cls, value: str) -> str:
        if value and not value.startswith(("smtp://", "smtps://")):
            raise ValueError("must be smtp://[user:pass@]host:port or smtps://…")
        return value

    @field_validator("email_delay")
    @classmethod
    def check_email_delay(cls, value: str) -> str:
        parse_duration(value)
        return value

    @property
    def mail_enabled(self) -> bool:
        return bool(self.smtp_url and self.mail_from)

    @property
    def email_delay_seconds(self) -> float:
        return parse_duration(self.email_delay)

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def trusted_proxy_list(self) -> list[str]:
        return split_list(self.trusted_proxies)

    @property
    def embedded_redis(self) -> bool:
        return self.redis_url == EMBEDDED_REDIS

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'webchat.db').resolve()}"

    def resolved_jwt_secret(self) -> str:
        """The configured secret, else one generated once and kept under the data directory."""
        if self.jwt_secret:
            return self.jwt_secret
        path = self.data_dir / "jwt_secret"
        if path.exists():
            stored = path.read_text().strip()
            if len(stored) >= MIN_JWT_SECRET_LENGTH:
                return stored
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        # Written whole into a private temporary file, then renamed: a crash can never
        # leave an empty or readable secret behind.
        temporary = path.with_name(f".jwt_secret.{os.getpid()}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secret)
        os.replace(temporary, path)
        return secret


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600}


def parse_duration(value: str) -> float:
    """ "90s", "5m", "2h" (a plain number is seconds)."""
    text = value.strip().lower()
    unit = _DURATION_UNITS.get(text[-1:], 0)
    number = text[:-1] if unit else text
    try:
        seconds = float(number) * (unit or 1)
    except ValueError:
        raise ValueError("must be a duration like 30s, 5m or 1h") from None
    if not 0 <= seconds <= 7 * 24 * 3600:
        raise ValueError("must be between 0 and 7 days")
    return seconds


class SettingsError(Exception):
    """A bad configuration value, rendered as one line naming the variable."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "WEBCHAT_" + str(first["loc"][0]).upper() if first["loc"] else "WEBCHAT_*"
        raise SettingsError(f"invalid {name}: {first['msg']}") from None
