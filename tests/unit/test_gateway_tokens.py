"""`webchat.gateway.tokens`: visitor and agent JWTs never pass for one another."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import jwt
import pytest

from webchat.clock import utcnow
from webchat.errors import ApiError
from webchat.gateway.tokens import (
    AGENT_AUDIENCE,
    VISITOR_AUDIENCE,
    AgentClaims,
    TokenIssuer,
    VisitorClaims,
)

SECRET = "s" * 44 + "0123456789abcdefghij"
OTHER_SECRET = "o" * 44 + "0123456789abcdefghij"
VISITOR = VisitorClaims(
    "acme", "01ARYZ6S41TSV4RRFFQ69G5FAV", "6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b", None
)
AGENT = AgentClaims("acme", "01ARYZ6S41TSV4RRFFQ69G5FAW", "Ann")


@pytest.fixture
def issuer() -> TokenIssuer:
    return TokenIssuer(SECRET)


def refused(call, token: str) -> ApiError:  # type: ignore[no-untyped-def]
    with pytest.raises(ApiError) as caught:
        call(token)
    assert caught.value.status == 401
    assert caught.value.code == "invalid_token"
    return caught.value


def test_visitor_token_round_trip(issuer: TokenIssuer) -> None:
    issued = issuer.issue_visitor(VISITOR)
    assert issuer.verify_visitor(issued.token) == VISITOR
    payload = jwt.decode(issued.token, SECRET, algorithms=["HS256"], audience=VISITOR_AUDIENCE)
    assert payload["sub"] == VISITOR.session_id
    assert payload["tid"] == "acme"
    lifetime = issued.expires_at - utcnow()
    assert timedelta(hours=23, minutes=59) < lifetime <= timedelta(hours=24)
    assert payload["exp"] == int(issued.expires_at.timestamp())


def test_logged_in_visitor_token_names_the_user(issuer: TokenIssuer) -> None:
    claims = VisitorClaims("acme", "c1", VISITOR.session_id, "user-7")
    token = issuer.issue_visitor(claims).token
    assert issuer.verify_visitor(token) == claims
    assert jwt.decode(token, options={"verify_signature": False})["sub"] == "user-7"


def test_agent_token_round_trip(issuer: TokenIssuer) -> None:
    issued = issuer.issue_agent(AGENT)
    assert issuer.verify_agent(issued.token) == AGENT
    payload = jwt.decode(issued.token, SECRET, algorithms=["HS256"], audience=AGENT_AUDIENCE)
    assert payload["role"] == "agent"
    assert payload["tid"] == "acme"
    assert issued.expires_at - utcnow() <= timedelta(hours=24)


def test_visitor_token_is_never_an_agent_token(issuer: TokenIssuer) -> None:
    refused(issuer.verify_agent, issuer.issue_visitor(VISITOR).token)


def test_agent_token_is_never_a_visitor_token(issuer: TokenIssuer) -> None:
    refused(issuer.verify_visitor, issuer.issue_agent(AGENT).token)


def test_agent_audience_without_agent_role_is_refused(issuer: TokenIssuer) -> None:
    token = jwt.encode(
        {
            "aud": AGENT_AUDIENCE,
            "sub": "a",
            "tid": "acme",
            "name": "x",
            "role": "visitor",
            "exp": utcnow() + timedelta(hours=1),
        },
        SECRET,
        "HS256",
    )
    refused(issuer.verify_agent, token)


def _unsigned(payload: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


def test_alg_none_is_refused(issuer: TokenIssuer) -> None:
    exp = int((utcnow() + timedelta(hours=1)).timestamp())
    agent = {
        "aud": AGENT_AUDIENCE,
        "sub": "a",
        "tid": "acme",
        "role": "agent",
        "name": "x",
        "exp": exp,
    }
    visitor = {
        "aud": VISITOR_AUDIENCE,
        "sub": "s",
        "tid": "acme",
        "cid": "c",
        "sid": "s",
        "exp": exp,
    }
    refused(issuer.verify_agent, _unsigned(agent))
    refused(issuer.verify_visitor, _unsigned(visitor))


def test_token_signed_with_another_secret_is_refused(issuer: TokenIssuer) -> None:
    forged = TokenIssuer(OTHER_SECRET)
    refused(issuer.verify_agent, forged.issue_agent(AGENT).token)
    refused(issuer.verify_visitor, forged.issue_visitor(VISITOR).token)


def test_token_with_another_algorithm_is_refused(issuer: TokenIssuer) -> None:
    exp = utcnow() + timedelta(hours=1)
    payload = {
        "aud": AGENT_AUDIENCE,
        "sub": "a",
        "tid": "acme",
        "role": "agent",
        "name": "x",
        "exp": exp,
    }
    refused(issuer.verify_agent, jwt.encode(payload, SECRET, "HS512"))


def test_expired_token_is_refused(issuer: TokenIssuer) -> None:
    past = utcnow() - timedelta(seconds=5)
    payload = {
        "aud": AGENT_AUDIENCE,
        "sub": "a",
        "tid": "acme",
        "role": "agent",
        "name": "x",
        "exp": past,
    }
    error = refused(issuer.verify_agent, jwt.encode(payload, SECRET, "HS256"))
    assert "expired" in error.message


@pytest.mark.parametrize("missing", ["exp", "aud", "tid"])
def test_required_claims(issuer: TokenIssuer, missing: str) -> None:
    payload: dict[str, object] = {
        "aud": AGENT_AUDIENCE,
        "sub": "a",
        "tid": "acme",
        "role": "agent",
        "name": "x",
        "exp": utcnow() + timedelta(hours=1),
    }
    del payload[missing]
    refused(issuer.verify_agent, jwt.encode(payload, SECRET, "HS256"))


def test_visitor_token_missing_its_conversation_is_refused(issuer: TokenIssuer) -> None:
    payload = {
        "aud": VISITOR_AUDIENCE,
        "sub": "s",
        "tid": "acme",
        "sid": "s",
        "exp": utcnow() + timedelta(hours=1),
    }
    refused(issuer.verify_visitor, jwt.encode(payload, SECRET, "HS256"))


@pytest.mark.parametrize("garbage", ["", "x", "a.b.c", "pk_notatoken", "eyJ..."])
def test_garbage_is_refused(issuer: TokenIssuer, garbage: str) -> None:
    refused(issuer.verify_agent, garbage)
    refused(issuer.verify_visitor, garbage)


def test_tampered_payload_is_refused(issuer: TokenIssuer) -> None:
    header, payload, signature = issuer.issue_visitor(VISITOR).token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["tid"] = "other"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    refused(issuer.verify_visitor, f"{header}.{forged}.{signature}")
