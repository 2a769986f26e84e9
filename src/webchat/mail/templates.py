"""The e-mails' words: a plain-text part and an HTML part for each kind. Every string a
visitor or an agent wrote (messages, names, the tenant's name) is escaped in the HTML;
nothing from them reaches the layout unescaped, and links are only ours or the visitor's
own `http(s)` page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from html import escape
from pathlib import Path
from string import Template

from webchat.clock import isoformat
from webchat.db.records import MessageRecord

LAYOUT = Template((Path(__file__).parent / "templates" / "layout.html").read_text())
SAFE_COLOR = "#2563eb"


@dataclass(frozen=True)
class Letter:
    subject: str
    intro: str
    messages: list[MessageRecord]
    action_text: str | None
    action_url: str | None
    footer: str


@dataclass(frozen=True)
class Branding:
    tenant_name: str
    color: str
    locale: str


def _safe_color(value: str) -> str:
    # Validated on the way in already; the layout puts it into a style attribute.
    return value if re.fullmatch(r"#[0-9a-fA-F]{6}", value) else SAFE_COLOR


def _safe_link(url: str | None) -> str | None:
    return url if url and url.startswith(("https://", "http://")) else None


def _who(message: MessageRecord, tenant_name: str) -> str:
    if message.sender == "visitor":
        return message.sender_name or "You"
    return message.sender_name or tenant_name


def plain_text(letter: Letter, brand: Branding) -> str:
    lines = [letter.intro, ""]
    for message in letter.messages:
        lines += [f"{_who(message, brand.tenant_name)} ({isoformat(message.created_at)}):"]
        lines += [f"  {line}" for line in message.text.splitlines() or [""]]
        lines.append("")
    link = _safe_link(letter.action_url)
    if letter.action_text and link:
        lines += [f"{letter.action_text}: {link}", ""]
    lines += ["--", letter.footer]
    return "\n".join(lines)


def html(letter: Letter, brand: Branding) -> str:
    blocks = []
    for message in letter.messages:
        body = "<br>".join(escape(line) for line in message.text.splitlines())
        blocks.append(
            '<div style="margin:0 0 12px;padding:10px 12px;border-radius:6px;background:#f4f5f7">'
            f'<div style="font-size:12px;color:#5f6b7a">{escape(_who(message, brand.tenant_name))}'
            f" · {escape(isoformat(message.created_at))}</div>"
            f'<div style="margin-top:4px;white-space:pre-wrap">{body}</div></div>'
        )
    action = ""
    link = _safe_link(letter.action_url)
    if letter.action_text and link:
        action = (
            f'<p style="margin:16px 0 0"><a href="{escape(link, quote=True)}" '
            f'style="color:{_safe_color(brand.color)}">{escape(letter.action_text)}</a></p>'
        )
    return LAYOUT.substitute(
        lang=escape(brand.locale[:5], quote=True),
        title=escape(letter.subject),
        color=_safe_color(brand.color),
        tenant=escape(brand.tenant_name),
        intro=escape(letter.intro),
        messages="\n".join(blocks),
        action=action,
        footer=escape(letter.footer).replace("\n", "<br>"),
    )


def compose(
    letter: Letter,
    brand: Branding,
    *,
    sender: str,
    recipient: str,
    message_id_seed: str,
    unsubscribe: str | None,
) -> EmailMessage:
    mail = EmailMessage()
    # Tenant names and visitor names reach the subject: never a line break in a header.
    mail["Subject"] = " ".join(letter.subject.split())
    mail["From"] = sender
    mail["To"] = recipient
    # Derived from the outbox row: a resend after a crash has the same Message-ID.
    domain = sender.rsplit("@", 1)[-1].strip("> ") or "webchat.local"
    mail["Message-ID"] = f"<{message_id_seed}@{domain}>"
    if unsubscribe:
        mail["List-Unsubscribe"] = f"<{unsubscribe}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(plain_text(letter, brand))
    mail.add_alternative(html(letter, brand), subtype="html")
    return mail
