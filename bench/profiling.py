"""py-spy around a server process during a load step, and a summary of its samples."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

from bench.infra import VENV_BIN

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def py_spy() -> str | None:
    candidate = VENV_BIN / "py-spy"
    return str(candidate) if candidate.exists() else shutil.which("py-spy")


def start(pid: int, seconds: float, out_dir: Path) -> list[subprocess.Popen[bytes]]:
    """Two recorders: collapsed stacks (summarized here) and a flame graph SVG. The SVG
    one samples without pausing the process so the two do not contend for ptrace.

    `--gil`: only samples of the thread holding the GIL, i.e. the server's Python CPU
    time; idle waits (uvloop in epoll, idle executor threads) drop out."""
    exe = py_spy()
    if exe is None:
        raise RuntimeError("py-spy not installed: .venv/bin/pip install py-spy")
    out_dir.mkdir(parents=True, exist_ok=True)
    common = [exe, "record", "--pid", str(pid), "--duration", str(int(seconds))]
    common += ["--rate", "200", "--gil"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    svg = out_dir / f"profile-{pid}.svg"
    return [
        subprocess.Popen(
            [*common, "--format", "raw", "-o", str(out_dir / f"profile-{pid}.txt")], **quiet
        ),
        subprocess.Popen(
            [*common, "--nonblocking", "--format", "flamegraph", "-o", str(svg)],
            **quiet,
        ),
    ]


# Where a sample's time goes, by the first marker found in its stack (most specific
# first). Tied to today's server code: a sample matching none is "other: <its task>".
BUCKETS = [
    ("DB write: SQLAlchemy ORM code in greenlets (build, compile, rows)", "<greenlet>"),
    ("DB write: MessageWriter → insert_messages (asyncpg, greenlet_spawn)", "MessageWriter."),
    ("publish: XADD to the stream", "append_message"),
    ("publish: emit → Redis pub/sub (AsyncRedisManager)", "send_event"),
    ("visitor touch after a send (Redis session + presence)", "_touch_visitor"),
    ("rate limit checks (limits: visitor, tenant)", "RateLimiter.check"),
    ("payload validation (pydantic)", "model_validate"),
    ("on_message: the rest", "on_message"),
    ("Socket.IO event dispatch, ack encode/send", "AsyncServer._handle_event_internal"),
    ("limits MemoryStorage expiry timer (asyncio.to_thread every 10 ms)", "__expire_events"),
    ("Redis pub/sub listener → local room emit", "AsyncPubSubManager._thread"),
    ("Engine.IO writer task per socket → websocket send", "_websocket_handler.<locals>.writer"),
    ("Engine.IO/Socket.IO packet send", "AsyncServer._send_eio_packet"),
    ("websocket receive, frame parsing (uvicorn, websockets)", "data_received"),
    ("websocket receive, frame parsing (uvicorn, websockets)", "websocket_wait"),
    ("HTTP / ASGI (connects, REST)", "run_asgi"),
    ("redis-py socket writes", "_send_packed_command"),
    ("presence upkeep", "_upkeep_loop"),
]


def _package(file: str) -> str:
    """py-spy prints paths relative to sys.path: `sqlalchemy/sql/compiler.py`."""
    for marker in ("site-packages/", "/src/"):
        if marker in file:
            file = file.split(marker, 1)[1]
    parts = file.split("/")
    if parts[0] == "webchat" and len(parts) > 1:
        return "webchat/" + parts[1].removesuffix(".py")
    if parts[0] in STDLIB_TOP or parts[0].removesuffix(".py") in STDLIB_TOP:
        return "stdlib " + parts[0].removesuffix(".py")
    return parts[0].removesuffix(".py") or "?"


STDLIB_TOP = {
    "asyncio",
    "concurrent",
    "threading",
    "queue",
    "weakref",
    "json",
    "uuid",
    "datetime",
    "logging",
    "typing",
    "functools",
    "contextlib",
    "enum",
    "re",
    "selectors",
    "socket",
    "ssl",
    "abc",
    "collections",
}


def _frame(raw: str) -> tuple[str, str]:
    match = FRAME.match(raw.strip())
    if not match:
        return raw.strip(), "?"
    file = match.group("file")
    return f"{match.group('func')} ({file})", _package(file)


def summarize(raw_file: Path, top: int = 25) -> dict[str, Any]:
    """Buckets (what the server was doing), self time by package and by function,
    inclusive time by function; all in % of the samples that held the GIL.

    SQLAlchemy's async API runs its ORM code in greenlets: py-spy sees those samples as
    stacks rooted at the greenlet's first frame (`Session.execute`), not under the
    event loop; they are counted as a bucket of their own."""
    self_fn: Counter[str] = Counter()
    self_pkg: Counter[str] = Counter()
    incl_fn: Counter[str] = Counter()
    buckets: Counter[str] = Counter()
    total = 0
    for line in raw_file.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame(f) for f in stack.split(";") if f.strip()]
        frames = [f for f in frames if not f[0].startswith(("process ", "Thread 0x"))]
        if not frames:
            continue
        total += count
        name, pkg = frames[-1]
        self_fn[name] += count
        self_pkg[pkg] += count
        for fn in {f[0] for f in frames}:
            incl_fn[fn] += count
        buckets[_bucket(frames)] += count

    def pct(counter: Counter[str], n: int) -> list[tuple[str, float]]:
        return [(k, 100.0 * v / total) for k, v in counter.most_common(n)] if total else []

    return {
        "samples": total,
        "buckets": pct(buckets, 30),
        "self_by_package": pct(self_pkg, 15),
        "self_by_function": pct(self_fn, top),
        "inclusive_by_function": pct(incl_fn, top + 15),
    }


def _bucket(frames: list[tuple[str, str]]) -> str:
    root = frames[0][0]
    on_loop = root.startswith("<module>") or "Runner.run" in root or "_bootstrap" in root
    if not on_loop and frames[0][1] == "sqlalchemy":
        return BUCKETS[0][0]
    text = ";".join(f[0] for f in frames)
    for label, marker in BUCKETS[1:]:
        if marker in text:
            return label
    names = [f[0] for f in frames]
    for i, name in enumerate(names):
        if name.startswith("Runner.run") and i + 1 < len(names):
            return "other: " + names[i + 1]
    return "other: " + names[-1]
