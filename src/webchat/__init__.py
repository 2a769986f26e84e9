"""webchat: a self-hostable, multi-tenant live-chat server."""

__version__ = "0.1.0"
