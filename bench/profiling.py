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


def _where(file: str) -> str:
    """A package-level name for a source file."""
    if "site-packages/" in file:
        rest = file.split("site-packages/", 1)[1]
        return rest.split("/", 1)[0].removesuffix(".py")
    if "/webchat/" in file:
        parts = file.split("/webchat/", 1)[1].split("/")
        return "webchat/" + parts[0].removesuffix(".py")
    if "/lib/python" in file:
        rest = file.split("/lib/python", 1)[1].split("/", 1)[-1]
        return "stdlib:" + rest.split("/", 1)[0].removesuffix(".py")
    return file or "?"


def _frame(raw: str) -> tuple[str, str]:
    match = FRAME.match(raw.strip())
    if not match:
        return raw.strip(), "?"
    file = match.group("file")
    return f"{match.group('func')} ({_short(file)})", _where(file)


def _short(file: str) -> str:
    for marker in ("site-packages/", "/src/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file.rsplit("/lib/", 1)[-1]


def summarize(raw_file: Path, top: int = 25) -> dict[str, Any]:
    """Self time by package and by function, inclusive time by function, in % of samples."""
    self_fn: Counter[str] = Counter()
    self_pkg: Counter[str] = Counter()
    incl_fn: Counter[str] = Counter()
    incl_pkg: Counter[str] = Counter()
    total = 0
    for line in raw_file.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame(f) for f in stack.split(";")]
        # The first frame is the thread ("process 123:\"…\"" / "Thread …"); drop it.
        frames = [f for f in frames if not f[0].startswith(("process ", "Thread "))]
        if not frames:
            continue
        total += count
        name, pkg = frames[-1]
        self_fn[name] += count
        self_pkg[pkg] += count
        for fn in {f[0] for f in frames}:
            incl_fn[fn] += count
        for p in {f[1] for f in frames}:
            incl_pkg[p] += count

    def pct(counter: Counter[str], n: int) -> list[tuple[str, float]]:
        return [(k, 100.0 * v / total) for k, v in counter.most_common(n)] if total else []

    return {
        "samples": total,
        "self_by_package": pct(self_pkg, 15),
        "inclusive_by_package": pct(incl_pkg, 15),
        "self_by_function": pct(self_fn, top),
        "inclusive_by_function": pct(incl_fn, top + 15),
    }
