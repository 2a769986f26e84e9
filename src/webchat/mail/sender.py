"""The outbox sender: every node claims due e-mails, writes them and hands them to the
SMTP server (aiosmtplib), then settles each row. Failures are retried with backoff.

What each kind says is decided at sending time, from the database: a missed-reply e-mail
carries every agent message the visitor has neither read nor been e-mailed, and none if
they read them in time (the row is then `skipped`)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from email.utils import parseaddr
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiosmtplib

from webchat.clock import as_utc, utcnow
from webchat.db.outbox import (
    MISSED_REPLY,
    NEW_CONVERSATION,
    TRANSCRIPT,
    OutboxItem,
    claim_due,
    conversation_transcript,
    queue_missed_reply,
    settle,
    unread_agent_messages,
)
from webchat.mail.links import unsubscribe_url
from webchat.mail.templates import Branding, Letter, compose

if TYPE_CHECKING:
    from email.message import EmailMessage

    from webchat.services import Services

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0
# Claimed at once and sent one after another: the batch must go out well within the
# lease (each SMTP step may take SMTP_TIMEOUT), or another node would claim it again.
BATCH = 5
# A claimed e-mail not settled within this is claimed again (its node died mid-send).
LEASE = timedelta(minutes=5)
# Retries: `email_retry_seconds` (30 s), then twice as long each time, at most an hour
# apart; given up after this many tries (about half a day).
MAX_RETRY_SECONDS = 3600
MAX_ATTEMPTS = 12
# Replies written within this of the due one go in the same e-mail.
TOGETHER = timedelta(seconds=5)
SMTP_TIMEOUT = 20


class Skip(Exception):
    """Nothing to send for this row (read in time, no address, opted out); `later`: the
    replies are too recent yet, and get an e-mail of their own when due."""

    def __init__(self, why: str, later: bool = False) -> None:
        super().__init__(why)
        self.later = later


class MailSender:
    def __init__(self, services: Services) -> None:
        self.services = services
        settings = services.settings
        parts = urlsplit(settings.smtp_url)
        self._smtp = {
            "hostname": parts.hostname or "localhost",
            "port": parts.port or (465 if parts.scheme == "smtps" else 25),
            "username": parts.username,
            "password": parts.password,
            "use_tls": parts.scheme == "smtps",
            # Plain smtp:// upgrades with STARTTLS when the server offers it.
            "start_tls": None if parts.scheme == "smtp" else False,
            "timeout": SMTP_TIMEOUT,
        }
        self._from_address = parseaddr(settings.mail_from)[1] or settings.mail_from
        self._delay = timedelta(seconds=settings.email_delay_seconds)

    async def run(self) -> None:
        while True:
            try:
                await self.send_due()
            except Exception:
                log.warning("e-mail outbox round failed", exc_info=True)
            await asyncio.sleep(POLL_SECONDS)

    async def send_due(self) -> int:
        """One round: claim what is due, send it, settle it. Returns how many were sent."""
        sent = 0
        for item in await claim_due(self.services.db, BATCH, LEASE):
            sent += await self._deliver(item)
        return sent

    async def _deliver(self, item: OutboxItem) -> int:
        db = self.services.db
        try:
            mail, up_to = await self._write(item)
        except Skip as why:
            await settle(db, item, "skipped", error=str(why))
            if why.later:
                await self._next_missed_reply(item)
            return 0
        except Exception as exc:
            # Never a poison row: whatever stops the writing is retried, then given up.
            log.warning("writing e-mail %s failed", item.outbox_id, exc_info=True)
            await self._retry(item, exc)
            return 0
        try:
            await aiosmtplib.send(
                mail,
                sender=self._from_address,
                recipients=[str(mail["To"])],
                **self._smtp,  # type: ignore[arg-type]
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            await self._retry(item, exc)
            return 0
        await settle(db, item, "sent", emailed_up_to=up_to)
        self.services.metrics.emails.labels(item.kind).inc()
        await self._next_missed_reply(item)
        return 1

    async def _next_missed_reply(self, item: OutboxItem) -> None:
        """Replies too recent for this e-mail get their own, due in their own time."""
        if item.kind != MISSED_REPLY:
            return
        found = await unread_agent_messages(self.services.db, item.conversation_id)
        if found and found[1]:
            due = as_utc(found[1][0].created_at) + self._delay
            await queue_missed_reply(self.services.db, item.tenant_id, item.conversation_id, due)

    async def _retry(self, item: OutboxItem, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"[:500]
        if item.attempts >= MAX_ATTEMPTS:
            await settle(self.services.db, item, "failed", error=error)
            log.warning("e-mail %s failed for good: %s", item.outbox_id, error)
            return
        first = self.services.settings.email_retry_seconds
        delay = min(MAX_RETRY_SECONDS, first * 2 ** (item.attempts - 1))
        log.info("e-mail %s: %s; retrying in %.0f s", item.outbox_id, error, delay)
        await settle(
            self.services.db,
            item,
            "pending",
            error=error,
            retry_at=utcnow() + timedelta(seconds=delay),
        )

    async def _write(self, item: OutboxItem) -> tuple[EmailMessage, tuple[str, str] | None]:
        services = self.services
        settings = await services.settings_cache.get(item.tenant_id)
        brand = Branding(
            settings["name"], settings["widget"]["color"], settings["widget"]["locale"] or "en"
        )
        base = services.settings.base_url
        secret = services.settings.resolved_jwt_secret()
        up_to: tuple[str, str] | None = None
        unsubscribe: str | None = None
        if item.kind == MISSED_REPLY:
            found = await unread_agent_messages(services.db, item.conversation_id)
            if found is None:
                raise Skip("the conversation is gone")
            conversation, unread = found
            # Only replies unread for the whole delay (give or take the few seconds that
            # keep replies written together in one e-mail); newer ones wait for their own.
            cutoff = utcnow() - self._delay + TOGETHER
            messages = [m for m in unread if as_utc(m.created_at) <= cutoff]
            if not messages:
                raise Skip("read in time") if not unread else Skip("not due yet", later=True)
            recipient = conversation.email
            if recipient is None or conversation.email_opt_out:
                raise Skip("no address, or the visitor opted out")
            unsubscribe = unsubscribe_url(base, secret, conversation.conversation_id)
            letter = Letter(
                subject=f"New reply from {brand.tenant_name}",
                intro=f"You have {len(messages)} new message(s) from {brand.tenant_name}:",
                messages=messages,
                action_text="Continue the conversation",
                action_url=conversation.last_page_url,
                footer=f"You received this because you chatted with {brand.tenant_name}. "
                f"Stop these e-mails: {unsubscribe}",
            )
            up_to = (conversation.conversation_id, messages[-1].message_id)
        elif item.kind == TRANSCRIPT:
            found = await conversation_transcript(services.db, item.conversation_id)
            if found is None or item.recipient is None:
                raise Skip("the conversation is gone")
            conversation, messages = found
            recipient = item.recipient
            unsubscribe = unsubscribe_url(base, secret, conversation.conversation_id)
            letter = Letter(
                subject=f"Your conversation with {brand.tenant_name}",
                intro=f"Here is the transcript you asked for ({len(messages)} messages).",
                messages=messages,
                action_text="Continue the conversation",
                action_url=conversation.last_page_url,
                footer=f"Sent at your request from {brand.tenant_name}'s chat.",
            )
        elif item.kind == NEW_CONVERSATION:
            found = await conversation_transcript(services.db, item.conversation_id, limit=5)
            if found is None or item.recipient is None:
                raise Skip("the conversation is gone")
            conversation, messages = found
            recipient = item.recipient
            letter = Letter(
                subject=f"New conversation on {brand.tenant_name} while nobody is online",
                intro=f"{conversation.name or 'A visitor'} started a conversation:",
                messages=messages,
                action_text="Answer in the console",
                action_url=f"{base}/console?tenant={item.tenant_id}",
                footer="You receive these as an admin of this tenant.",
            )
        else:
            raise Skip(f"unknown kind {item.kind!r}")
        mail = compose(
            letter,
            brand,
            sender=services.settings.mail_from,
            recipient=recipient,
            message_id_seed=f"{item.outbox_id}.{item.kind}",
            unsubscribe=unsubscribe,
        )
        return mail, up_to
