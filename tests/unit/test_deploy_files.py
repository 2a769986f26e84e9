"""The deploy kit (`deploy/`, `docs/deploy.md`) against the code it deploys: a name, path or
port that drifts from the code fails here. The container build itself is not run (no
container engine on the CI machines); everything the files say about the code is."""

from __future__ import annotations

import http.server
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml

from webchat import cli
from webchat.config import Settings
from webchat.db import writer
from webchat.realtime import server as realtime_server

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "webchat.service"
ENV_EXAMPLE = DEPLOY / "webchat.env.example"
COMPOSE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
# uvicorn's timeout_graceful_shutdown in serve.py: open requests get this long.
REQUESTS_DRAIN_SECONDS = 3

SETTING_NAME = re.compile(r"\bWEBCHAT_[A-Z][A-Z0-9_]*[A-Z0-9]\b")


def setting_names() -> set[str]:
    return {"WEBCHAT_" + name.upper() for name in Settings.model_fields}


def unknown_settings(text: str) -> set[str]:
    return set(SETTING_NAME.findall(text)) - setting_names()


def unit_entries() -> list[tuple[str, str]]:
    """The unit's `Key=value` lines in order (systemd allows a key several times)."""
    entries = []
    for line in UNIT.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            entries.append((key, value))
    return entries


def unit_values(key: str) -> list[str]:
    return [value for name, value in unit_entries() if name == key]


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            instructions.append((word.upper(), rest.strip()))
    return instructions


def docker_values(instruction: str) -> list[str]:
    return [rest for word, rest in dockerfile_instructions() if word == instruction]


def runtime_env() -> dict[str, str]:
    """The ENV of the Dockerfile's last stage."""
    stages = DOCKERFILE.read_text().split("\nFROM ")
    env: dict[str, str] = {}
    for line in re.sub(r"\\\n\s*", " ", stages[-1]).splitlines():
        if line.startswith("ENV "):
            env.update(pair.split("=", 1) for pair in shlex.split(line[4:]))
    return env


# --- every WEBCHAT_* name the kit mentions is a setting of config.py ---


def test_the_name_check_catches_a_typo() -> None:
    assert unknown_settings("WEBCHAT_REDIS_URL=x WEBCHAT_REDIS_URLL=y") == {"WEBCHAT_REDIS_URLL"}
    assert unknown_settings("WEBCHAT_TRUSTED_PROXY=10.0.0.1") == {"WEBCHAT_TRUSTED_PROXY"}
    assert unknown_settings("`WEBCHAT_DATA_DIR`, `webchat:sockets`") == set()


@pytest.mark.parametrize(
    "path", [ENV_EXAMPLE, COMPOSE, DEPLOY_DOC, UNIT, DOCKERFILE], ids=lambda path: path.name
)
def test_every_setting_named_exists(path: Path) -> None:
    assert SETTING_NAME.search(path.read_text()), f"{path.name} names no setting at all"
    assert unknown_settings(path.read_text()) == set()


def example_assignments() -> Iterator[tuple[str, str, str]]:
    """(section heading, NAME, value) for `NAME=value` and `# NAME=value` lines."""
    heading = ""
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.startswith("# ---"):
            heading = line
        match = re.fullmatch(r"#?\s*(WEBCHAT_[A-Z0-9_]+)=(.*)", line)
        if match:
            yield heading, match[1], match[2]


def test_env_example_values_are_valid_and_its_defaults_are_the_code_s() -> None:
    values = {}
    for heading, name, value in example_assignments():
        field = name.removeprefix("WEBCHAT_").lower()
        if "defaults shown" in heading:
            parsed = getattr(Settings(**{field: value}), field)
            assert parsed == Settings.model_fields[field].default, name
        if value:
            values[field] = value
    Settings(**values)  # every value the example shows passes the validators
    assert {"database_url", "redis_url", "jwt_secret", "trusted_proxies"} <= {
        name.removeprefix("WEBCHAT_").lower() for _, name, _ in example_assignments()
    }


# --- the systemd unit ---


def test_unit_is_hardened_as_documented() -> None:
    entries = dict(unit_entries())
    for key, value in {
        "DynamicUser": "yes",
        "StateDirectory": "webchat",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "NoNewPrivileges": "yes",
        "CapabilityBoundingSet": "",
        "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
        "MemoryDenyWriteExecute": "yes",
        "EnvironmentFile": "/etc/webchat/webchat.env",
        "KillSignal": "SIGTERM",
        "Restart": "on-failure",
    }.items():
        assert entries.get(key) == value, key
    assert "@system-service" in unit_values("SystemCallFilter")
    assert entries["ExecStart"] == "/opt/webchat/.venv/bin/webchat serve"
    # The data directory is the state directory, the one place the unit may write.
    assert "WEBCHAT_DATA_DIR=/var/lib/webchat" in unit_values("Environment")
    # The drain ends within 10 s; systemd waits longer than that before SIGKILL.
    drain = REQUESTS_DRAIN_SECONDS + realtime_server.DRAIN_SECONDS + writer.DRAIN_SECONDS
    assert drain <= 10 < int(entries["TimeoutStopSec"])
    # One descriptor per socket, past the default cap of sockets.
    assert int(entries["LimitNOFILE"]) > Settings.model_fields["max_sockets"].default + 2_000


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    # verify insists that ExecStart's program exists: point it at a stand-in.
    program = tmp_path / "webchat"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    text = UNIT.read_text().replace("/opt/webchat/.venv/bin/webchat", str(program))
    unit = tmp_path / "webchat.service"
    unit.write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    # verify exits 0 on unknown keys and bad values too; it only warns. Any line fails.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


# --- the Dockerfile ---


def test_dockerfile_stages_match_the_project() -> None:
    stages = docker_values("FROM")
    assert re.match(r"node:(20|22)\b", stages[0])
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11"
    assert all(stage.startswith("python:3.11-slim") for stage in stages[1:])
    runs = " ; ".join(docker_values("RUN"))
    assert "npm install" in runs and "npm ci" not in runs and "npm run build" in runs
    assert "pip install -e" not in runs and "--editable" not in runs


def test_dockerfile_copies_what_the_build_writes_and_the_package_ships() -> None:
    copied = " ".join(docker_values("COPY"))
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["webchat"]
    for app in ("widget", "console"):
        static = f"src/webchat/{app}/static"
        assert f"--from=frontend /build/{static} {static}" in copied
        assert static in (ROOT / app / "vite.config.ts").read_text()
        assert f"{app}/static/*" in package_data
    # What stage 1 copies from the context is there, and .dockerignore keeps it.
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for source in ("package.json", "package-lock.json", "widget", "console", "shared"):
        assert (ROOT / source).exists(), source
        assert not any(fnmatch(source, pattern) for pattern in ignored), source
    assert ".webchat" in ignored and ".git" in ignored


def test_dockerfile_runtime_settings() -> None:
    env = runtime_env()
    user = docker_values("USER")[-1]
    assert user not in ("root", "0")
    assert docker_values("STOPSIGNAL") == ["SIGTERM"]
    assert docker_values("EXPOSE") == [env["WEBCHAT_PORT"]]
    assert docker_values("VOLUME") == [env["WEBCHAT_DATA_DIR"]]
    assert docker_values("ENTRYPOINT") == ['["webchat"]']
    assert docker_values("CMD")[-1] == '["serve"]'
    assert env["WEBCHAT_DEMO"] == "false"


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def healthcheck_code() -> str:
    (healthcheck,) = docker_values("HEALTHCHECK")
    command = shlex.split(healthcheck.split(" CMD ", 1)[1])
    assert command[:2] == ["python", "-c"]
    return command[2]


@pytest.mark.parametrize("status, healthy", [(200, True), (503, False)])
def test_dockerfile_healthcheck_runs(status: int, healthy: bool) -> None:
    handler = type("Handler", (_Health,), {"status": status})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        environment = {**os.environ, "WEBCHAT_PORT": str(server.server_port)}
        result = subprocess.run(
            [sys.executable, "-c", healthcheck_code()], env=environment, capture_output=True
        )
    finally:
        server.shutdown()
        server.server_close()
    assert (result.returncode == 0) is healthy


def test_healthcheck_fails_when_nothing_listens() -> None:
    with __import__("socket").socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "WEBCHAT_PORT": str(port)}
    result = subprocess.run(
        [sys.executable, "-c", healthcheck_code()], env=environment, capture_output=True
    )
    assert result.returncode != 0


def test_package_data_covers_every_file_the_package_reads() -> None:
    package = ROOT / "src" / "webchat"
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["webchat"]
    missing = [
        str(path.relative_to(package))
        for path in package.rglob("*")
        if path.is_file()
        and path.suffix not in (".py", ".pyc")
        and path.name != ".frontend-stamp"
        and not any(fnmatch(str(path.relative_to(package)), glob) for glob in globs)
    ]
    assert missing == []


# --- compose ---


def test_compose_services_start_in_order_with_health() -> None:
    services = compose()["services"]
    assert {"postgres", "redis", "migrate", "webchat-1", "webchat-2", "nginx"} <= set(services)
    assert services["postgres"]["healthcheck"]["test"][1] == "pg_isready"
    assert services["redis"]["healthcheck"]["test"][1:] == ["redis-cli", "ping"]
    # `migrate` is a real command, and runs once before the nodes.
    assert services["migrate"]["command"] == ["db", "upgrade"]
    cli._parser().parse_args(services["migrate"]["command"])
    for node in ("webchat-1", "webchat-2"):
        depends = services[node]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == depends["redis"]["condition"]
        assert depends["redis"]["condition"] == "service_healthy"
        assert services["nginx"]["depends_on"][node]["condition"] == "service_healthy"
        # Longer than the drain (10 s), as in the unit.
        assert int(services[node]["stop_grace_period"].rstrip("s")) > 10
        assert services[node]["build"]["dockerfile"] == "deploy/Dockerfile"


def test_compose_environment_is_valid_and_trusts_only_nginx() -> None:
    services = compose()["services"]
    environment = services["webchat-1"]["environment"]
    values = {
        name.removeprefix("WEBCHAT_").lower(): re.sub(r"\$\{[^}]*\}", "x" * 40, value)
        for name, value in environment.items()
    }
    settings = Settings(**values)
    assert not settings.embedded_redis and settings.database_url and not settings.demo
    nginx_address = services["nginx"]["networks"]["webchat"]["ipv4_address"]
    assert settings.trusted_proxy_list == [nginx_address]
    volume = services["webchat-1"]["volumes"][0]
    assert volume.split(":")[1] == runtime_env()["WEBCHAT_DATA_DIR"]


@pytest.mark.skipif(shutil.which("sed") is None, reason="no sed")
def test_compose_nginx_points_the_shipped_upstream_at_both_nodes() -> None:
    nginx = compose()["services"]["nginx"]
    assert "./nginx.conf:/etc/webchat/nginx.conf:ro" in nginx["volumes"]
    assert (DEPLOY / "nginx.conf").is_file()
    command = shlex.split(nginx["command"][2])
    arguments = command[1 : command.index("/etc/webchat/nginx.conf")]
    assert command[0] == "sed"
    result = subprocess.run(
        ["sed", *arguments, str(DEPLOY / "nginx.conf")],
        capture_output=True,
        text=True,
        check=True,
    )
    upstream = re.search(r"^upstream webchat \{(.*?)^\}", result.stdout, re.M | re.S)
    assert upstream is not None
    servers = re.findall(r"^\s*server\s+(\S+)", upstream[1], re.M)
    port = runtime_env()["WEBCHAT_PORT"]
    assert servers == [f"webchat-1:{port}", f"webchat-2:{port}"]
    assert "proxy_pass http://webchat;" in result.stdout


# --- docs/deploy.md ---


def test_deploy_doc_links_resolve() -> None:
    text = DEPLOY_DOC.read_text()
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [link for link in links if "://" not in link]
    assert local, "no links"
    for link in local:
        assert (DEPLOY_DOC.parent / link).exists(), link
    assert "(docs/deploy.md)" in (ROOT / "README.md").read_text()
