"""The throwaway-service fixtures themselves: they start, die, and come back."""

from __future__ import annotations

import socket

from support.services import PostgresCluster, RedisProcess, free_port, port_open


def test_redis_kill_and_restart_on_the_same_port() -> None:
    redis = RedisProcess().start()
    try:
        assert redis.ping()
        assert redis.url == f"redis://127.0.0.1:{redis.port}/0"
        redis.command("SET", "k", "v")
        redis.kill()
        assert not redis.running and not port_open(redis.port)
        redis.start()
        assert redis.ping()
        # --save '' and --appendonly no: a crash loses everything, as in production here.
        assert redis.command("GET", "k").strip() == "(nil)"
        redis.stop()
        assert not redis.running
    finally:
        redis.cleanup()


def test_session_redis_fixture(redis_server: RedisProcess) -> None:
    assert redis_server.ping()
    assert redis_server.command("CONFIG", "GET", "appendonly").split()[-1].strip('"') == "no"


def test_postgres_databases_survive_a_kill() -> None:
    # A cluster of its own: killing the session's shared one took every server of the
    # session down with it, and its crash recovery (the whole suite's WAL since the last
    # checkpoint) outlasted the start timeout on a slow machine.
    cluster = PostgresCluster().start()
    try:
        url = cluster.create_database()
        name = url.rsplit("/", 1)[1]
        assert url.startswith(f"postgresql+asyncpg://postgres@127.0.0.1:{cluster.port}/")
        cluster.psql("CREATE TABLE t (x int); INSERT INTO t VALUES (42)", database=name)
        cluster.kill()
        assert not cluster.is_ready()
        cluster.start()
        assert cluster.psql("SELECT x FROM t", database=name).strip() == "42"
    finally:
        cluster.cleanup()


def test_postgres_cluster_stop_start() -> None:
    cluster = PostgresCluster().start()
    try:
        cluster.stop()
        assert not cluster.running
        cluster.start()
        assert cluster.psql("SELECT 1").strip() == "1"
    finally:
        cluster.cleanup()


def test_free_port_is_bindable() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
