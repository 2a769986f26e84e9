"""Smoke check of the benchmark harness: `python -m bench --quick` runs and prints its
figures. It asserts nothing about speed (speed is read from the full run's figures in
docs/performance.md, never from a timed test)."""

from __future__ import annotations

import glob
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIGURES = (
    "fixed rate",
    "delivered msgs/s",
    "lost",
    "p50",
    "p99",
    "highest held rate",
    "http POST /webchat/message",
    "req/s",
    "RSS per idle connection",
)


def _backend() -> str:
    real = shutil.which("redis-server") and glob.glob("/usr/lib/postgresql/*/bin/initdb")
    return "--start" if real else "--embedded"


def test_bench_quick_runs_and_prints_its_figures(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "bench", "--quick", _backend()]
    command += ["--out", str(tmp_path), "--write", str(tmp_path / "performance.md")]
    try:
        done = subprocess.run(
            command, cwd=REPO, capture_output=True, text=True, timeout=180, check=False
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"bench --quick did not finish in 180 s:\n{exc.stdout}\n{exc.stderr}")
    output = done.stdout
    assert done.returncode == 0, f"exit {done.returncode}\n{output}\n{done.stderr}"
    missing = [name for name in FIGURES if name not in output]
    assert not missing, f"figures missing {missing} from:\n{output}"
    written = (tmp_path / "performance.md").read_text()
    assert "<!-- bench:results:" in written and "RSS per idle connection" in written
    assert list(tmp_path.glob("bench-*.json"))
