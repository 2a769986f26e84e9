"""`webchat.config`: one Settings object; bad values stop start-up naming the variable."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from webchat.config import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("WEBCHAT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults_are_embedded() -> None:
    settings = load_settings()
    assert settings.embedded_redis
    assert settings.port == 8000
    assert settings.resolved_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.resolved_database_url.endswith("/.webchat/webchat.db")


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WEBCHAT_PORT", "9001")
    monkeypatch.setenv("WEBCHAT_REDIS_URL", "redis://127.0.0.1:6390/0")
    monkeypatch.setenv("WEBCHAT_DATABASE_URL", "postgresql+asyncpg://u@h/db")
    monkeypatch.setenv("WEBCHAT_DATA_DIR", str(tmp_path / "d"))
    settings = load_settings()
    assert settings.port == 9001
    assert not settings.embedded_redis
    assert settings.resolved_database_url == "postgresql+asyncpg://u@h/db"
    assert settings.data_dir == tmp_path / "d"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("WEBCHAT_PORT", "eighty"),
        ("WEBCHAT_PORT", "0"),
        ("WEBCHAT_PORT", "70000"),
        ("WEBCHAT_DATABASE_URL", "mysql://u@h/db"),
        ("WEBCHAT_DATABASE_URL", "postgresql://u@h/db"),
        ("WEBCHAT_REDIS_URL", "http://127.0.0.1:6379"),
        ("WEBCHAT_JWT_SECRET", "short"),
        ("WEBCHAT_JWT_SECRET", "x" * 31),
        ("WEBCHAT_JWT_SECRET", "changeme"),
        ("WEBCHAT_ROLE", "worker"),
        ("WEBCHAT_VISITOR_RATE_LIMIT", "lots"),
        ("WEBCHAT_TENANT_RATE_LIMIT", "0/minute"),
        ("WEBCHAT_SESSION_RATE_LIMIT", "10 per minute"),
    ],
)
def test_bad_value_raises_settings_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert variable in message
    assert "\n" not in message
    # The message never echoes a secret back.
    if variable == "WEBCHAT_JWT_SECRET" and len(value) > 5:
        assert value not in message


def test_bad_override_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="WEBCHAT_PORT"):
        load_settings(port="x")


def test_long_jwt_secret_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "k" * 32
    monkeypatch.setenv("WEBCHAT_JWT_SECRET", secret)
    assert load_settings().resolved_jwt_secret() == secret


def test_dev_secret_is_generated_once_under_the_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = Settings(data_dir=data_dir).resolved_jwt_secret()
    path = data_dir / "jwt_secret"
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert path.read_text().strip() == first
    # Another process (another Settings) with the same data dir gets the same secret.
    assert Settings(data_dir=data_dir).resolved_jwt_secret() == first
    # A fresh data dir gets another one: never a hard-coded default.
    assert Settings(data_dir=tmp_path / "other").resolved_jwt_secret() != first


def test_dev_secret_is_private_even_with_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0o000)
    try:
        Settings(data_dir=tmp_path / "data").resolved_jwt_secret()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "data" / "jwt_secret").stat().st_mode) == 0o600


def test_empty_secret_file_never_yields_an_empty_secret(tmp_path: Path) -> None:
    """`resolved_jwt_secret` touches the file, then writes it: a crash in between leaves
    an empty file. Reading that back must not give every token an empty HMAC key."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "jwt_secret").touch(mode=0o600)
    secret = Settings(data_dir=data_dir).resolved_jwt_secret()
    assert len(secret) >= 32


def test_trusted_proxies_default_to_no_one_and_take_ips_and_networks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().trusted_proxy_list == []
    monkeypatch.setenv("WEBCHAT_TRUSTED_PROXIES", " 10.0.0.5, 192.168.0.0/24 ,::1,")
    assert load_settings().trusted_proxy_list == ["10.0.0.5", "192.168.0.0/24", "::1"]
    for bad in ("*", "10.0.0.5, nginx.local", "10.0.0.0/33"):
        monkeypatch.setenv("WEBCHAT_TRUSTED_PROXIES", bad)
        with pytest.raises(SettingsError, match="WEBCHAT_TRUSTED_PROXIES"):
            load_settings()
