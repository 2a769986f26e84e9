"""Schemathesis against every operation of the running server's own `/openapi.json`
(CONTRACT §3, §4): no 5xx, every 4xx the §3 error object, statuses, content types and
bodies as the document declares them.

Each operation gets positive (schema-conforming) and negative (schema-violating)
examples, once with a fixed seed and once with a random one printed at the start, with
the credential the operation's `security` names (public key + an allowed Origin,
visitor token, secret key, staff or admin agent token). Real ids (a conversation, a
message, an agent, a canned response, a webhook) replace the generated ones in half the
positive examples, so handlers run past their 404s. Operations that take things away
(erasure, revoking keys, disabling agents, settings that re-scope the tenant) run last
and against a throwaway tenant. Replay a failure with `WEBCHAT_FUZZ_SEED=<seed>`.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from support import contract
from support.clients import Agent, Tenant
from support.flows import create_agent, create_tenant
from support.server import WebchatProcess
from support.services import SmtpServer

FIXED_SEED = 20261216
# Examples per operation and generation mode, per seed: ~41 operations x 2 modes x 2
# seeds x this many requests is the run's cost (a few minutes on 2 slow cores).
MAX_EXAMPLES = int(os.environ.get("WEBCHAT_FUZZ_EXAMPLES", "30"))
ORIGIN = "https://fuzz.example"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
REJECTIONS = ["400", "401", "403", "404", "409", "413", "415", "422", "429"]
# Operations that remove or re-scope what the rest of the run stands on: run last, on a
# tenant of their own.
DESTRUCTIVE = {
    ("DELETE", "/api/visitors"),
    ("DELETE", "/api/keys/{prefix}"),
    ("DELETE", "/api/canned-responses/{cannedResponseId}"),
    ("DELETE", "/api/webhooks/{webhookId}"),
    ("PATCH", "/api/agents/{agentId}"),
    ("PATCH", "/api/settings"),
    ("POST", "/api/agent/password"),
}


@dataclass
class Credentials:
    """One tenant's ways in, and real ids of things in it."""

    tenant: Tenant
    agent: Agent
    admin: Agent
    visitor_token: str
    ids: dict[str, str] = field(default_factory=dict)


def _login(http: httpx.Client, agent: Agent) -> str:
    response = http.post(
        "/api/agent/login",
        json={"tenantId": agent.tenant.tenant_id, "email": agent.email, "password": agent.password},
    )
    agent.token = contract.expect_status(response, 200)["token"]
    return agent.token


def _prepare(server: WebchatProcess) -> Credentials:
    """A tenant with an allowed origin, an agent and an admin, a conversation with a
    message, a note, a canned response and a webhook: what the fuzzer's ids point at."""
    tenant = create_tenant(server, allowed_origins=[ORIGIN])
    agent = create_agent(server, tenant)
    with httpx.Client(base_url=server.url, timeout=15) as http:
        _login(http, agent)
        secret = {"Authorization": f"Bearer {tenant.secret_key}"}
        # An admin agent through the API (the CLI's agents are of role `agent`).
        admin_password = "pw-" + uuid.uuid4().hex
        response = http.post(
            "/api/agents",
            headers=secret,
            json={
                "email": f"admin-{uuid.uuid4().hex[:8]}@example.com",
                "name": "Fuzz admin",
                "role": "admin",
                "password": admin_password,
            },
        )
        created = contract.expect_status(response, 201)["agent"]
        admin = Agent(tenant, created["agentId"], created["email"], admin_password)
        _login(http, admin)
        visitor = {"sessionId": str(uuid.uuid4()), "fingerprint": "fuzz-" + uuid.uuid4().hex}
        public = {"Authorization": f"Bearer {tenant.public_key}", "Origin": ORIGIN}
        response = http.post("/webchat/message", headers=public, json={**visitor, "text": "hi"})
        sent = contract.expect_status(response, 201)
        conversation_id = sent["message"]["conversationId"]
        response = http.post(
            "/api/canned-responses",
            headers=secret,
            json={"shortcut": "fuzz", "text": "Hello {{visitor.name}}"},
        )
        canned = contract.expect_status(response, 201)["cannedResponse"]
        response = http.post(
            "/api/webhooks",
            headers=secret,
            json={"url": "http://127.0.0.1:9/hook", "events": ["*"]},
        )
        webhook = contract.expect_status(response, 201)["webhook"]
        response = http.post(
            f"/api/conversations/{conversation_id}/messages",
            headers=secret,
            json={"text": "an answer"},
        )
        contract.expect_status(response, 201)
        response = http.get("/api/events", headers=secret)
        events = contract.expect_status(response, 200)["events"]
        response = http.get("/api/keys", headers=secret)
        keys = contract.expect_status(response, 200)["keys"]
    return Credentials(
        tenant=tenant,
        agent=agent,
        admin=admin,
        visitor_token=sent["session"]["token"],
        ids={
            "conversationId": conversation_id,
            "agentId": agent.agent_id,
            "cannedResponseId": canned["cannedResponseId"],
            "webhookId": webhook["webhookId"],
            "eventId": events[-1]["eventId"] if events else "",
            "prefix": keys[0]["prefix"],
            "upTo": sent["message"]["messageId"],
            "sessionId": visitor["sessionId"],
            "fingerprint": visitor["fingerprint"],
        },
    )


def _credential_headers(
    security: list[dict[str, list[str]]], creds: Credentials, turn: int
) -> dict[str, str]:
    """Headers for one of the operation's security alternatives, in turn."""
    if not security:
        return {}
    alternative = security[turn % len(security)]
    headers: dict[str, str] = {}
    if "publicKey" in alternative:
        headers["Authorization"] = f"Bearer {creds.tenant.public_key}"
        headers["Origin"] = ORIGIN
    if "visitorToken" in alternative:
        headers["X-Session-Token"] = creds.visitor_token
    if "secretKey" in alternative:
        headers["Authorization"] = f"Bearer {creds.tenant.secret_key}"
    if "agentToken" in alternative:
        admin_only = alternative["agentToken"] == ["admin"]
        agent = creds.admin if admin_only or turn % 4 == 1 else creds.agent
        headers["Authorization"] = f"Bearer {agent.token}"
    return headers


def _use_real_ids(case: schemathesis.Case, creds: Credentials) -> None:
    if case.operation.path == "/api/agent/login" and isinstance(case.body, dict):
        agent = creds.agent
        case.body.update(
            tenantId=agent.tenant.tenant_id, email=agent.email, password=agent.password
        )
    for name in list(case.path_parameters or {}):
        if creds.ids.get(name):
            case.path_parameters[name] = creds.ids[name]
    if isinstance(case.body, dict):
        for name in ("sessionId", "fingerprint", "upTo"):
            if name in case.body and creds.ids.get(name):
                case.body[name] = creds.ids[name]


@dataclass
class Run:
    seed: int
    failures: list[str] = field(default_factory=list)
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    # Operations that answered 2xx at least once: the rest were only ever refused.
    succeeded: set[str] = field(default_factory=set)


def _fuzz_operation(
    operation: Any, mode: GenerationMode, creds: Credentials, run: Run, base_url: str
) -> None:
    security = operation.definition.raw.get("security", [])
    turns = iter(range(10**6))

    @hypothesis_seed(run.seed)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: schemathesis.Case) -> None:
        turn = next(turns)
        if mode.is_positive and turn % 2 == 0:
            _use_real_ids(case, creds)
        headers = _credential_headers(security, creds, turn)
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        run.requests += 1
        run.statuses[response.status_code] = run.statuses.get(response.status_code, 0) + 1
        if response.status_code < 300:
            run.succeeded.add(case.operation.label)
        checks = CHECKS
        if "X-Session-Token" in headers and str(case.media_type).startswith("multipart/"):
            # With the visitor token an upload names its conversation by the token and
            # reads no sessionId/fingerprint fields: a negated field there is not refused.
            checks = [c for c in CHECKS if c is not negative_data_rejection]
        problems: list[str] = []
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:
            problems += _describe(exc)
        if response.status_code >= 400:
            try:
                contract.check_error_body(response.json(), response.status_code)
            except Exception as exc:
                problems += _describe(exc)
        if problems:
            # Recorded, not raised: Hypothesis would replay the example against a server
            # whose state has moved on, and stop at the first failure.
            where = f"{case.operation.label} ({mode.value}, seed {run.seed})"
            curl = case.as_curl_command(headers)
            run.failures.append(f"{where}\n" + "\n".join(problems)[:2000] + f"\n{curl[:2000]}")

    try:
        check()
    except Unsatisfiable:
        # Nothing to negate (an operation without parameters or body).
        assert not mode.is_positive, f"{operation.label}: no positive example"


def _describe(exc: BaseException) -> list[str]:
    if isinstance(exc, BaseExceptionGroup):
        return [line for sub in exc.exceptions for line in _describe(sub)]
    return [f"- {type(exc).__name__}: {exc}"]


def _ordered(schema: Any) -> tuple[list[Any], list[Any]]:
    everyday, destructive = [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        key = (operation.method.upper(), operation.path)
        (destructive if key in DESTRUCTIVE else everyday).append(operation)
    return everyday, destructive


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.cleanup()


def _seeds() -> list[int]:
    chosen = os.environ.get("WEBCHAT_FUZZ_SEED")
    if chosen:
        return [int(chosen)]
    return [FIXED_SEED, random.SystemRandom().randrange(2**32)]


@pytest.mark.slow
def test_every_operation_against_its_schema(
    make_server: Callable[..., WebchatProcess],
    smtp: SmtpServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = make_server(
        "embedded",
        env={
            # The fuzzer's webhooks point at a closed local port: refused at once.
            "WEBCHAT_WEBHOOK_ALLOW_PRIVATE": "true",
            # Transcripts are sent (to a sink), not refused for want of a mail server.
            "WEBCHAT_SMTP_URL": smtp.url,
            "WEBCHAT_MAIL_FROM": "Fuzz <fuzz@example.com>",
        },
    )
    seeds = _seeds()
    with capsys.disabled():
        print(f"\n[fuzz] seeds {seeds}: replay one with WEBCHAT_FUZZ_SEED=<seed>")
    config = schemathesis.Config.from_dict(
        {
            # Credentials are ours to send (the operation's `security`): no generated ones.
            "generation": {"with-security-parameters": False},
            # A schema-violating body past WEBCHAT_MAX_BODY_BYTES is refused with 413.
            "checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}},
        }
    )
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", config=config)
    everyday, destructive = _ordered(schema)
    main = _prepare(server)
    throwaway = _prepare(server)
    started = time.monotonic()
    runs = []
    for seed in seeds:
        run = Run(seed)
        runs.append(run)
        for operations, creds in ((everyday, main), (destructive, throwaway)):
            for operation in operations:
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    _fuzz_operation(operation, mode, creds, run, server.url)
    elapsed = time.monotonic() - started
    with capsys.disabled():
        for run in runs:
            print(
                f"[fuzz] seed {run.seed}: {run.requests} requests, statuses "
                f"{dict(sorted(run.statuses.items()))}, {len(run.failures)} failing examples"
            )
        labels = {operation.label for operation in everyday + destructive}
        never = sorted(labels - set().union(*(run.succeeded for run in runs)))
        print(f"[fuzz] {len(labels)} operations in {elapsed:.0f}s; never 2xx: {never}")
    failures = [failure for run in runs for failure in run.failures]
    assert not failures, f"{len(failures)} failing examples:\n\n" + "\n\n".join(failures[:40])
