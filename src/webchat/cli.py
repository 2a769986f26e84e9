"""The `webchat` command (CONTRACT §7). JSON results go to stdout; everything else to stderr."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from webchat.config import Settings, SettingsError, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    overrides: dict[str, Any] = {}
    for name in ("host", "port", "role"):
        if getattr(args, name, None) is not None:
            overrides[name] = getattr(args, name)
    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        print(f"webchat: {exc}", file=sys.stderr)
        return 2
    command: Callable[[Settings, argparse.Namespace], int] = args.command
    try:
        return command(settings, args)
    except UserError as exc:
        print(f"webchat: {exc}", file=sys.stderr)
        return 1


class UserError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="webchat", description="Self-hostable live chat.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--role", choices=["all", "api", "realtime"])
    serve.set_defaults(command=_serve)

    tenant = commands.add_parser("tenant", help="manage tenants").add_subparsers(required=True)
    create = tenant.add_parser("create", help="create a tenant and its first keys")
    create.add_argument("tenant_id", metavar="ID")
    create.add_argument("--name")
    create.add_argument("--allowed-origin", action="append", default=[], dest="origins")
    create.add_argument(
        "--no-identity-verification",
        action="store_true",
        help="accept userId without userHash (not recommended)",
    )
    create.set_defaults(command=_tenant_create)

    key = commands.add_parser("key", help="manage API keys").add_subparsers(required=True)
    key_create = key.add_parser("create", help="create a key")
    key_create.add_argument("tenant_id", metavar="ID")
    key_create.add_argument("--kind", choices=["public", "secret"], required=True)
    key_create.set_defaults(command=_key_create)
    key_revoke = key.add_parser("revoke", help="revoke a key everywhere, at once")
    key_revoke.add_argument("key", metavar="KEY_OR_PREFIX")
    key_revoke.set_defaults(command=_key_revoke)

    agent = commands.add_parser("agent", help="manage agents").add_subparsers(required=True)
    agent_create = agent.add_parser("create", help="create an agent")
    agent_create.add_argument("tenant_id", metavar="ID")
    agent_create.add_argument("email", metavar="EMAIL")
    agent_create.add_argument("--name")
    agent_create.add_argument(
        "--role", dest="agent_role", choices=["agent", "admin"], default="agent"
    )
    agent_create.add_argument("--password-stdin", action="store_true", required=True)
    agent_create.set_defaults(command=_agent_create)

    db = commands.add_parser("db", help="database").add_subparsers(required=True)
    upgrade = db.add_parser("upgrade", help="apply migrations")
    upgrade.set_defaults(command=_db_upgrade)
    return parser


def _print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document) + "\n")
    sys.stdout.flush()


def _with_database(settings: Settings, work: Callable[[Any], Awaitable[Any]]) -> Any:
    from webchat.actions.tenants import InvalidInput
    from webchat.db import Database, DatabaseUnavailable

    async def run() -> Any:
        db = Database(settings.resolved_database_url)
        try:
            await db.upgrade()
            return await work(db)
        finally:
            await db.close()

    try:
        return asyncio.run(run())
    except InvalidInput as exc:
        raise UserError(str(exc)) from None
    except DatabaseUnavailable as exc:
        raise UserError(f"the database is unavailable: {exc}") from None


def _tenant_create(settings: Settings, args: argparse.Namespace) -> int:
    from webchat.actions.tenants import do_create_tenant

    created = _with_database(
        settings,
        lambda db: do_create_tenant(
            db, args.tenant_id, args.name, args.origins, not args.no_identity_verification
        ),
    )
    _print_json(created.json())
    return 0


def _key_create(settings: Settings, args: argparse.Namespace) -> int:
    from webchat.actions.tenants import do_create_key
    from webchat.gateway.keys import key_prefix

    key = _with_database(settings, lambda db: do_create_key(db, args.tenant_id, args.kind))
    _print_json(
        {"tenantId": args.tenant_id, "kind": args.kind, "key": key, "prefix": key_prefix(key)}
    )
    return 0


def _key_revoke(settings: Settings, args: argparse.Namespace) -> int:
    from webchat.actions.tenants import do_revoke_key

    revoked = _with_database(settings, lambda db: do_revoke_key(db, args.key))
    _print_json({"revoked": revoked})
    return 0


def _agent_create(settings: Settings, args: argparse.Namespace) -> int:
    from webchat.actions.tenants import do_create_agent

    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UserError("no password on standard input")
    agent_id = _with_database(
        settings,
        lambda db: do_create_agent(
            db, args.tenant_id, args.email, password, args.name, args.agent_role
        ),
    )
    _print_json({"agentId": agent_id})
    return 0


def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    _with_database(settings, lambda db: asyncio.sleep(0))
    _print_json({"upgraded": True, "database": _redacted(settings.resolved_database_url)})
    return 0


def _redacted(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from webchat.serve import run_server

    return run_server(settings)
