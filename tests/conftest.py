"""Fixtures shared by every test package: throwaway services and webchat servers.

Backends
--------
``backend`` is ``"embedded"`` (no URLs: the server's embedded database and
Redis-compatible store) or ``"real"`` (a throwaway ``redis-server`` and a fresh
database on a throwaway PostgreSQL cluster). Any test that uses ``server``,
``tenant``, ``chat``... runs once per backend. Choose with
``--e2e-backends=embedded,real`` or ``WEBCHAT_E2E_BACKENDS``.

Servers
-------
``server`` is one long-lived process per backend for the whole session (start-up
costs seconds; 2 cores). Tests that kill things or need special configuration
use ``make_server`` (stopped at the end of the test), or ``launcher`` directly
for servers shared by a module. A *group* is what several nodes share: Redis,
database, JWT secret.
"""

from __future__ import annotations

import contextlib
import os
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support.clients import Agent, Tenant, Visitor
from support.flows import Sockets, TenantChat, create_agent, create_tenant, login
from support.server import WebchatProcess, live_servers, new_jwt_secret
from support.services import PostgresCluster, RedisProcess

BACKENDS = ("embedded", "real")


# --- options, markers, parametrization -----------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--e2e-backends",
        default=os.environ.get("WEBCHAT_E2E_BACKENDS", ",".join(BACKENDS)),
        help="comma-separated backends the e2e suite runs on (embedded, real)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes tens of seconds (crash/recovery timings)")
    config.addinivalue_line("markers", "e2e: starts webchat serve as a subprocess")
    config.addinivalue_line("markers", "real_only: needs real Redis + PostgreSQL")


def selected_backends(config: pytest.Config) -> list[str]:
    chosen = [b.strip() for b in config.getoption("--e2e-backends").split(",") if b.strip()]
    unknown = set(chosen) - set(BACKENDS)
    if unknown:
        raise pytest.UsageError(f"unknown backend(s) {sorted(unknown)}; use {BACKENDS}")
    return chosen


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        backends = selected_backends(metafunc.config)
        params: list = list(backends)
        if metafunc.definition.get_closest_marker("real_only"):
            params = [b for b in backends if b == "real"] or [
                pytest.param(
                    "real",
                    marks=pytest.mark.skip(
                        reason="needs real Redis + PostgreSQL: "
                        "--e2e-backends does not include 'real'"
                    ),
                )
            ]
        metafunc.parametrize("backend", params, scope="session")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    e2e_dir = Path(__file__).parent / "e2e"
    for item in items:
        if e2e_dir in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


# --- server logs attached to failing tests --------------------------------------------

_LOG_SIZES = pytest.StashKey[dict]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[_LOG_SIZES] = {id(s): s.log_sizes() for s in live_servers()}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    report = yield
    if report.failed and report.when in ("setup", "call"):
        sizes = item.stash.get(_LOG_SIZES, {})
        for server in live_servers():
            text = server.logs_since(sizes.get(id(server), (0, 0)))
            if text:
                report.sections.append((f"webchat logs: {server.name} {server.url}", text))
    return report


# --- throwaway services ---------------------------------------------------------------

_shared_pg: PostgresCluster | None = None


def shared_postgres() -> PostgresCluster:
    """One PostgreSQL cluster for the session, started on first use."""
    global _shared_pg
    if _shared_pg is None:
        _shared_pg = PostgresCluster().start()
    elif not _shared_pg.running:
        _shared_pg.start()
    return _shared_pg


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    yield shared_postgres()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisProcess]:
    redis = RedisProcess().start()
    yield redis
    redis.cleanup()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _shared_pg is not None:
        _shared_pg.cleanup()


# --- webchat servers ------------------------------------------------------------------


@dataclass
class Group:
    """What nodes of one deployment share."""

    backend: str
    redis: RedisProcess | None = None
    database_url: str | None = None
    jwt_secret: str | None = None
    owned: list[RedisProcess] = field(default_factory=list)

    def cleanup(self) -> None:
        for redis in self.owned:
            redis.cleanup()


class Launcher:
    """Starts webchat servers; remembers them so the session can stop them all."""

    def __init__(self) -> None:
        self.servers: list[WebchatProcess] = []
        self.groups: list[Group] = []

    def group(
        self, backend: str, jwt_secret: str | bool | None = True, redis: RedisProcess | None = None
    ) -> Group:
        """A new deployment: for ``real``, its own Redis and a fresh database."""
        secret = new_jwt_secret() if jwt_secret is True else (jwt_secret or None)
        if backend == "embedded":
            group = Group(backend, jwt_secret=secret)
        elif backend == "real":
            group = Group(backend, jwt_secret=secret)
            if redis is None:
                redis = RedisProcess().start()
                group.owned.append(redis)
            group.redis = redis
            group.database_url = shared_postgres().create_database()
        else:
            raise ValueError(f"unknown backend {backend!r}")
        self.groups.append(group)
        return group

    def start(
        self,
        backend: str = "embedded",
        group: Group | None = None,
        name: str | None = None,
        wait: bool = True,
        **kwargs,
    ) -> WebchatProcess:
        group = group or self.group(backend)
        server = WebchatProcess(
            name=name or f"{group.backend}-{uuid.uuid4().hex[:4]}",
            database_url=group.database_url,
            redis_url=group.redis.url if group.redis else None,
            jwt_secret=group.jwt_secret,
            **kwargs,
        )
        server.group = group  # type: ignore[attr-defined]
        self.servers.append(server)
        server.start(wait=wait)
        return server

    def release(self, server: WebchatProcess) -> None:
        server.stop()
        if server in self.servers:
            self.servers.remove(server)

    def release_group(self, group: Group) -> None:
        group.cleanup()
        if group in self.groups:
            self.groups.remove(group)

    def cleanup(self) -> None:
        for server in self.servers:
            with contextlib.suppress(Exception):
                server.stop()
        for group in self.groups:
            with contextlib.suppress(Exception):
                group.cleanup()


@pytest.fixture(scope="session")
def launcher() -> Iterator[Launcher]:
    launcher = Launcher()
    yield launcher
    launcher.cleanup()


@pytest.fixture
def make_server(launcher: Launcher) -> Iterator[Callable[..., WebchatProcess]]:
    """``make_server(backend="embedded"|"real", group=None, role=None, ...)``.

    Servers (and Redis instances their groups own) are stopped after the test.
    """
    started: list[WebchatProcess] = []
    groups: list[Group] = []

    def make(backend: str = "embedded", group: Group | None = None, **kwargs) -> WebchatProcess:
        if group is None:
            group = launcher.group(backend, jwt_secret=kwargs.pop("jwt_secret", True))
            groups.append(group)
        server = launcher.start(group=group, **kwargs)
        started.append(server)
        return server

    def make_group(backend: str = "real", **kwargs) -> Group:
        group = launcher.group(backend, **kwargs)
        groups.append(group)
        return group

    make.group = make_group  # type: ignore[attr-defined]
    yield make
    for server in started:
        launcher.release(server)
    for group in groups:
        launcher.release_group(group)


@pytest.fixture(scope="session")
def shared_server(backend: str, launcher: Launcher) -> WebchatProcess:
    """The long-lived server of this backend. The embedded one generates its own
    JWT secret (none given), as a fresh install does."""
    group = launcher.group(backend, jwt_secret=backend == "real")
    return launcher.start(group=group, name=f"shared-{backend}")


@pytest.fixture
def server(shared_server: WebchatProcess) -> WebchatProcess:
    if not shared_server.running:
        # A previous test crashed it: its own report carries the logs. Start it again
        # so the rest of the suite still measures something.
        print(f"\n[conftest] {shared_server.name} had died; restarting", file=sys.stderr)
        shared_server.start()
    return shared_server


@pytest.fixture(scope="module")
def tenant(shared_server: WebchatProcess) -> Tenant:
    """A tenant for the module (no allowed-origin list)."""
    return create_tenant(shared_server)


@pytest.fixture(scope="module")
async def agent(shared_server: WebchatProcess, tenant: Tenant) -> Agent:
    agent = create_agent(shared_server, tenant)
    await login(shared_server, agent)
    return agent


@pytest.fixture
def make_tenant() -> Callable[..., Tenant]:
    """``make_tenant(server, allowed_origins=(...))`` through ``webchat tenant create``."""
    return create_tenant


@pytest.fixture
def make_agent() -> Callable[..., Agent]:
    """``make_agent(server, tenant, email=None, password=None)`` (not logged in)."""
    return create_agent


@pytest.fixture
async def chat(tenant: Tenant, server: WebchatProcess) -> AsyncIterator[TenantChat]:
    chat = TenantChat(tenant, server)
    yield chat
    await chat.aclose()


@pytest.fixture
async def make_chat() -> AsyncIterator[Callable[..., TenantChat]]:
    chats: list[TenantChat] = []

    def make(tenant: Tenant, server: WebchatProcess | None = None) -> TenantChat:
        chat = TenantChat(tenant, server)
        chats.append(chat)
        return chat

    yield make
    for chat in chats:
        await chat.aclose()


@pytest.fixture
async def sockets() -> AsyncIterator[Sockets]:
    sockets = Sockets()
    yield sockets
    await sockets.close_all()


@pytest.fixture
def visitor() -> Visitor:
    return Visitor()
