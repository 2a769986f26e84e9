"""Signed, expiring download links (CONTRACT §11): HMAC-SHA256 over the attachment id,
its name and the expiry, keyed from the JWT secret."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import quote, urlencode

# Links come fresh with every history read; a day covers a long-open page.
LINK_SECONDS = 24 * 3600


class LinkSigner:
    def __init__(self, jwt_secret: str) -> None:
        self._key = hmac.new(jwt_secret.encode(), b"webchat-attachment", hashlib.sha256).digest()

    def _signature(self, attachment_id: str, name: str, expires: int) -> str:
        message = f"{attachment_id}\n{name}\n{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def url(self, attachment_id: str, name: str, now: float | None = None) -> str:
        expires = int((now if now is not None else time.time()) + LINK_SECONDS)
        query = urlencode({"e": expires, "s": self._signature(attachment_id, name, expires)})
        return f"/attachments/{attachment_id}/{quote(name, safe='')}?{query}"

    def check(self, attachment_id: str, name: str, expires: str, signature: str) -> bool:
        if not expires.isdigit() or int(expires) < time.time():
            return False
        expected = self._signature(attachment_id, name, int(expires))
        return hmac.compare_digest(expected, signature)
