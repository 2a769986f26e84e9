"""CONTRACT §11 against running servers: uploads by visitors and staff, messages carrying
attachments everywhere they appear, the download headers, ranges, signatures, limits
enforced while streaming, types told by their bytes, and the S3-compatible store."""

from __future__ import annotations

import asyncio
import io
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from support import contract
from support.clients import Tenant, Visitor, http_client
from support.flows import Sockets, TenantChat, create_tenant
from support.server import WebchatProcess
from support.services import free_port, port_open, wait_until

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'
HTML = b"<!doctype html><script>alert(document.domain)</script>"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def png(width: int = 16, height: int = 12) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


async def upload(
    chat: TenantChat,
    visitor: Visitor,
    name: str,
    data: bytes,
    content_type: str = "application/octet-stream",
    token: str | None = None,
) -> httpx.Response:
    if token is None:
        token = (await chat.session(visitor))["token"]
    return await chat.public.post(
        "/webchat/attachments",
        files={"file": (name, data, content_type)},
        headers={"X-Session-Token": token},
    )


async def test_a_visitor_image_travels_with_a_message_everywhere(
    server: WebchatProcess, tenant: Tenant, sockets: Sockets
) -> None:
    chat = TenantChat(tenant, server)
    try:
        visitor = Visitor()
        agent = await sockets.agent(server, api_key=tenant.secret_key)
        response = await upload(chat, visitor, "screenshot.png", png(), "image/png")
        attachment = contract.expect_status(response, 201)["attachment"]
        assert set(attachment) == {"attachmentId", "name", "size", "contentType", "url"}
        assert attachment["contentType"] == "image/png" and attachment["name"] == "screenshot.png"
        sent = await chat.send(visitor, "", attachments=[attachment["attachmentId"]])
        message = sent["message"]
        assert [a["attachmentId"] for a in message["attachments"]] == [attachment["attachmentId"]]
        live = await agent.wait_message(message["messageId"])
        assert live["attachments"][0]["attachmentId"] == attachment["attachmentId"]
        history = await chat.history(sessionId=visitor.session_id)
        listed = history["messages"][-1]["attachments"][0]
        # A fresh link with every read, and it serves the cleaned image.
        async with http_client(server, strict=False) as http:
            file = await http.get(listed["url"])
        assert file.status_code == 200
        assert file.headers["content-type"] == "image/png"
        assert file.headers["x-content-type-options"] == "nosniff"
        assert file.headers["content-security-policy"] == "sandbox"
        assert file.headers["content-disposition"].startswith("inline")
        assert "private" in file.headers["cache-control"]
        with Image.open(io.BytesIO(file.content)) as picture:
            assert picture.size == (16, 12)
        # Messages without attachments carry an empty list.
        plain = await chat.send(visitor, "and some text")
        assert plain["message"]["attachments"] == []
    finally:
        await chat.aclose()


async def test_staff_send_a_pdf_downloaded_as_an_attachment_with_ranges(
    server: WebchatProcess, tenant: Tenant
) -> None:
    chat = TenantChat(tenant, server)
    try:
        visitor = Visitor()
        conversation_id = (await chat.send(visitor, "Can I have the invoice?"))["message"][
            "conversationId"
        ]
        response = await chat.secret.post(
            f"/api/conversations/{conversation_id}/attachments",
            files={"file": ("../../invoice.pdf", PDF, "image/png")},
        )
        attachment = contract.expect_status(response, 201)["attachment"]
        assert attachment["contentType"] == "application/pdf"
        assert attachment["name"] == "invoice.pdf"
        reply = await chat.secret.post(
            f"/api/conversations/{conversation_id}/messages",
            json={"text": "Here it is", "attachments": [attachment["attachmentId"]]},
        )
        assert contract.expect_status(reply, 201)["message"]["attachments"][0]["name"] == (
            "invoice.pdf"
        )
        async with http_client(server, strict=False) as http:
            whole = await http.get(attachment["url"])
            part = await http.get(attachment["url"], headers={"Range": "bytes=0-7"})
            tail = await http.get(attachment["url"], headers={"Range": "bytes=-6"})
            beyond = await http.get(attachment["url"], headers={"Range": "bytes=99999-"})
        assert whole.content == PDF
        assert whole.headers["content-disposition"].startswith("attachment")
        assert part.status_code == 206 and part.content == PDF[:8]
        assert part.headers["content-range"] == f"bytes 0-7/{len(PDF)}"
        assert tail.status_code == 206 and tail.content == PDF[-6:]
        assert beyond.status_code == 416
    finally:
        await chat.aclose()


async def test_notes_carry_attachments_only_staff_see(
    server: WebchatProcess, tenant: Tenant, sockets: Sockets
) -> None:
    chat = TenantChat(tenant, server)
    try:
        visitor = Visitor()
        sent = await chat.send(visitor, "Here is my problem")
        conversation_id = sent["message"]["conversationId"]
        tab = await sockets.visitor(tenant, visitor)
        agent = await sockets.agent(server, api_key=tenant.secret_key)
        response = await chat.secret.post(
            f"/api/conversations/{conversation_id}/attachments",
            files={"file": ("internal-report.pdf", PDF, "application/pdf")},
        )
        attachment = contract.expect_status(response, 201)["attachment"]
        notes_url = f"/api/conversations/{conversation_id}/notes"
        empty = await chat.secret.post(notes_url, json={"text": ""})
        contract.expect_error(empty, 422, "invalid_request")
        created = await chat.secret.post(
            notes_url, json={"text": "", "attachments": [attachment["attachmentId"]]}
        )
        note = contract.expect_status(created, 201)["note"]
        assert note["text"] == ""
        assert [a["attachmentId"] for a in note["attachments"]] == [attachment["attachmentId"]]
        live = await agent.wait_for("note_created", lambda n: n["noteId"] == note["noteId"])
        assert live["attachments"][0]["name"] == "internal-report.pdf"
        listed = contract.expect_status(await chat.secret.get(notes_url), 200)["notes"]
        assert listed[-1]["attachments"][0]["attachmentId"] == attachment["attachmentId"]
        async with http_client(server, strict=False) as http:
            assert (await http.get(listed[-1]["attachments"][0]["url"])).content == PDF
        # Taken by the note: neither a message nor another note can send it.
        for url in (notes_url, f"/api/conversations/{conversation_id}/messages"):
            again = await chat.secret.post(
                url, json={"text": "x", "attachments": [attachment["attachmentId"]]}
            )
            contract.expect_error(again, 403, "forbidden")
        # A visitor's attachment of another conversation cannot go on this note either.
        theirs = await upload(chat, Visitor(), "theirs.png", png(), "image/png")
        foreign = await chat.secret.post(
            notes_url,
            json={"text": "x", "attachments": [theirs.json()["attachment"]["attachmentId"]]},
        )
        contract.expect_error(foreign, 403, "forbidden")
        history = await chat.visitor_history(sent["session"]["token"], sessionId=visitor.session_id)
        assert attachment["attachmentId"] not in str(history)
        assert tab.count("note_created") == 0
    finally:
        await chat.aclose()


async def test_signed_links_cannot_be_tampered_with(server: WebchatProcess, tenant: Tenant) -> None:
    chat = TenantChat(tenant, server)
    try:
        response = await upload(chat, Visitor(), "a.png", png(), "image/png")
        url = httpx.URL(contract.expect_status(response, 201)["attachment"]["url"])
        params = dict(url.params)
        async with http_client(server, strict=False) as http:
            for changed in (
                {**params, "s": "0" * 64},
                {**params, "e": str(int(params["e"]) + 60)},
                {**params, "e": "1"},
                {"e": params["e"]},
            ):
                bad = await http.get(url.path, params=changed)
                contract.expect_error(bad, 403, "forbidden")
            renamed = await http.get(url.path.rsplit("/", 1)[0] + "/b.png", params=params)
            contract.expect_error(renamed, 403, "forbidden")
    finally:
        await chat.aclose()


@pytest.mark.parametrize(
    ("data", "claimed"),
    [
        (SVG, "image/png"),
        (HTML, "image/png"),
        (HTML, "text/plain"),
        (b"MZ\x90\x00", "application/pdf"),
    ],
)
async def test_types_are_told_by_the_bytes(
    server: WebchatProcess, tenant: Tenant, data: bytes, claimed: str
) -> None:
    chat = TenantChat(tenant, server)
    try:
        response = await upload(chat, Visitor(), "innocent.png", data, claimed)
        contract.expect_error(response, 415, "unsupported_media_type")
    finally:
        await chat.aclose()


async def test_foreign_and_unknown_attachments(server: WebchatProcess, tenant: Tenant) -> None:
    chat = TenantChat(tenant, server)
    try:
        owner, other = Visitor(), Visitor()
        response = await upload(chat, owner, "mine.png", png(), "image/png")
        attachment_id = contract.expect_status(response, 201)["attachment"]["attachmentId"]
        await chat.send(other, "hello")
        stolen = await chat.public.post(
            "/webchat/message",
            json={**other.identity(tenant), "text": "look", "attachments": [attachment_id]},
        )
        contract.expect_error(stolen, 403, "forbidden")
        unknown = await chat.public.post(
            "/webchat/message",
            json={**owner.identity(tenant), "text": "x", "attachments": ["01" + "A" * 24]},
        )
        contract.expect_error(unknown, 404, "not_found")
        empty = await chat.public.post(
            "/webchat/message", json={**owner.identity(tenant), "text": "  "}
        )
        contract.expect_error(empty, 422, "invalid_request")
        # Sent once, it cannot be sent again with another message.
        await chat.send(owner, "", attachments=[attachment_id])
        again = await chat.public.post(
            "/webchat/message",
            json={**owner.identity(tenant), "text": "again", "attachments": [attachment_id]},
        )
        contract.expect_error(again, 403, "forbidden")
    finally:
        await chat.aclose()


async def test_uploads_with_the_session_fields_and_without_a_file(
    server: WebchatProcess, tenant: Tenant
) -> None:
    chat = TenantChat(tenant, server)
    try:
        visitor = Visitor()
        ok = await chat.public.post(
            "/webchat/attachments",
            data=visitor.identity(tenant),
            files={"file": ("notes.txt", b"plain words\n", "text/plain")},
        )
        assert contract.expect_status(ok, 201)["attachment"]["contentType"] == "text/plain"
        wrong = await chat.public.post(
            "/webchat/attachments",
            data={**visitor.identity(tenant), "fingerprint": "another-fingerprint"},
            files={"file": ("notes.txt", b"x", "text/plain")},
        )
        contract.expect_error(wrong, 403, "session_mismatch")
        nofile = await chat.public.post(
            "/webchat/attachments", data=visitor.identity(tenant), files={"other": ("a", b"x")}
        )
        contract.expect_error(nofile, 400, "invalid_request")
        notmultipart = await chat.public.post("/webchat/attachments", json={"file": "x"})
        contract.expect_error(notmultipart, 400, "invalid_request")
    finally:
        await chat.aclose()


async def test_too_large_is_refused_while_streaming(
    make_server: Callable[..., WebchatProcess],
) -> None:
    server = make_server("embedded", name="upload-limit")
    tenant = create_tenant(server)
    chat = TenantChat(tenant, server)
    try:
        limit = 20_000
        response = await chat.secret.patch(
            "/api/settings", json={"attachments": {"maxBytes": limit}}
        )
        contract.expect_status(response, 200)
        token = (await chat.session(Visitor()))["token"]
        before = rss_kb(server)

        async def chunks() -> Any:
            boundary_head = (
                b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n'
                b"Content-Type: text/plain\r\n\r\n"
            )
            yield boundary_head
            for _ in range(400):  # 40 MB, no Content-Length: only streaming can stop it
                yield b"a" * 100_000

        try:
            response = await chat.public.post(
                "/webchat/attachments",
                content=chunks(),
                headers={
                    "X-Session-Token": token,
                    "Content-Type": "multipart/form-data; boundary=b",
                },
            )
            contract.expect_error(response, 413, "payload_too_large")
        except httpx.HTTPError:
            pass  # the server may hang up on the rest of the body: also a refusal
        grown = rss_kb(server) - before
        assert grown < 20_000, f"the server grew by {grown} KB reading a refused upload"
        leftovers = list((server.data_dir / "uploads").glob("*")) if server.data_dir else []
        assert not leftovers, leftovers
        # A 2 GB Content-Length is refused before any of it is read.
        answer = raw_post(server.port, "/webchat/attachments", tenant.public_key, 2 * 1024**3)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    finally:
        await chat.aclose()


def rss_kb(server: WebchatProcess) -> int:
    assert server.proc is not None
    for line in open(f"/proc/{server.proc.pid}/status"):  # noqa: SIM115
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def raw_post(port: int, path: str, key: str, length: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {length}\r\n\r\n"
        )
        conn.sendall(head.encode() + b"--b\r\n")
        return conn.recv(4096)


# --- the S3-compatible store (moto's standalone server, a real HTTP process) -----------


@pytest.fixture
def s3_server() -> Iterator[str]:
    if shutil.which("moto_server") is None and not _has_moto():
        pytest.skip("moto[server] is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: port_open(port), 30, what="moto server")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()


def _has_moto() -> bool:
    try:
        import moto  # noqa: F401
    except ImportError:
        return False
    return True


async def test_attachments_in_an_s3_compatible_store(
    make_server: Callable[..., WebchatProcess], s3_server: str
) -> None:
    import botocore.session

    bucket = f"webchat-{uuid.uuid4().hex[:8]}"
    client = botocore.session.get_session().create_client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=bucket)
    url = f"s3://{bucket}?endpoint={s3_server}&key=test&secret=test"
    server = make_server("embedded", name="s3", env={"WEBCHAT_STORAGE_URL": url})
    tenant = create_tenant(server)
    chat = TenantChat(tenant, server)
    try:
        response = await upload(chat, Visitor(), "in-s3.pdf", PDF, "application/pdf")
        attachment = contract.expect_status(response, 201)["attachment"]
        stored = client.list_objects_v2(Bucket=bucket)["Contents"]
        assert [o["Key"] for o in stored] == [f"{tenant.tenant_id}/{attachment['attachmentId']}"]
        assert not (server.data_dir / "attachments").exists()
        async with http_client(server, strict=False) as http:
            whole = await http.get(attachment["url"])
            part = await http.get(attachment["url"], headers={"Range": "bytes=5-9"})
        assert whole.content == PDF and part.content == PDF[5:10]
        await asyncio.sleep(0)
    finally:
        await chat.aclose()
