"""What a node remembers about each of its sockets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from webchat.actions.visitors import VisitorSession
from webchat.gateway.credentials import Principal
from webchat.store.presence import SocketRef


@dataclass
class SocketState:
    kind: Literal["visitor", "agent"]
    principal: Principal
    visitor: VisitorSession | None = None
    presence: SocketRef | None = None
    url: str | None = None
    # Monotonic time of the last session/presence refresh, to refresh at most once a minute.
    touched_at: float = 0.0

    @property
    def tenant_id(self) -> str:
        return self.principal.tenant_id
