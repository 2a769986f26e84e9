"""Figures → text for the terminal and a Markdown block in docs/performance.md."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

TARGETS = {
    "held": 2000,  # msgs/s held, p99 < 100 ms, nothing lost
    "p99_at_1000": 25.0,  # ms
    "kb_per_socket": 100.0,
}


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        if value != value:  # NaN
            return "n/a"
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def step_line(s: dict[str, Any]) -> str:
    verdict = "held" if s["held"] else "NOT held"
    return (
        f"  {s['label']:>6} {fmt(s['rate'], 0):>6} msgs/s target: sent {fmt(s['sent_per_s'], 0)}/s,"
        f" delivered msgs/s {fmt(s['delivered_per_s'], 0)}, lost {s['lost_messages']}"
        f" (+{s['unacked']} unacked, {s['failed_total']} refused, {s['duplicates']} dup),"
        f" p50 {fmt(s['p50_ms'])} ms, p99 {fmt(s['p99_ms'])} ms"
        f" | cpu server {fmt(s['cpu'].get('server'), 0)}% redis {fmt(s['cpu'].get('redis'), 0)}%"
        f" pg {fmt(s['cpu'].get('postgres'), 0)}% loadgen {fmt(s['cpu'].get('loadgen'), 0)}%"
        f" other {fmt(s['cpu'].get('other'), 0)}%"
        f" → {verdict}"
    )


def terminal_summary(r: dict[str, Any]) -> str:
    lines = [f"== webchat bench ({r['label']})"]
    fixed = r.get("fixed")
    if fixed:
        lines.append(
            f"fixed rate {fmt(fixed['rate'], 0)} msgs/s: delivered msgs/s"
            f" {fmt(fixed['delivered_per_s'], 0)}, lost {fixed['lost_messages']},"
            f" p50 {fmt(fixed['p50_ms'])} ms, p99 {fmt(fixed['p99_ms'])} ms"
        )
    held = r.get("held_rate")
    lines.append(
        f"highest held rate (p99 < 100 ms, nothing lost): {fmt(held, 0) if held else 'none'} msgs/s"
    )
    http = r.get("http")
    if http:
        lines.append(
            f"http POST /webchat/message: {fmt(http['ok_per_s'], 0)} req/s"
            f" (concurrency {http['concurrency']}, p50 {fmt(http['p50_ms'])} ms,"
            f" p99 {fmt(http['p99_ms'])} ms, statuses {http['statuses']})"
        )
    idle = r.get("idle")
    if idle:
        lines.append(
            f"RSS per idle connection: {fmt(idle['kb_per_socket'])} KB"
            f" ({idle['sockets']} idle sockets)"
        )
    return "\n".join(lines)


def markdown(r: dict[str, Any]) -> str:
    s = r["settings"]
    m = r["machine"]
    out = [
        f"### {r['label']} — {r['when']}",
        "",
        f"Command: `{r['command']}` at commit {m.get('commit', '?')}.",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory']} RAM, Python {m['python']},"
        f" kernel {m['kernel']}; {m.get('redis', 'redis ?')}; {m.get('postgres', 'postgres ?')}."
        " The load generator, the server(s), Redis and PostgreSQL share these CPUs; the"
        " `other` column is CPU used by anything else on the machine during the step.",
        "",
        f"Settings: {s['servers']} server process(es) ({s['mode']}), {s['conversations']}"
        f" conversations × {s['tabs']} tabs + {s['agents']} agents per load process,"
        f" {s['procs']} load process(es), {s['text_bytes']}-byte texts; steps of"
        f" {s['step_seconds']} s, drain {s['drain']} s; HTTP concurrency {s['http_concurrency']};"
        f" {s['idle']} idle sockets; client {s.get('client', 'raw')}.",
        "",
        "| figure | measured | target |",
        "|---|---|---|",
    ]
    fixed = r.get("fixed")
    if fixed:
        out.append(
            f"| p99 at {fmt(fixed['rate'], 0)} msgs/s (p50) | {fmt(fixed['p99_ms'])} ms"
            f" ({fmt(fixed['p50_ms'])} ms) | < {TARGETS['p99_at_1000']:.0f} ms at 1,000 |"
        )
        out.append(
            f"| delivered msgs/s at {fmt(fixed['rate'], 0)}, lost | "
            f"{fmt(fixed['delivered_per_s'], 0)}, {fixed['lost_messages']} lost | 0 lost |"
        )
    held = r.get("held_rate")
    out.append(
        f"| highest rate held (p99 < 100 ms, nothing lost) | {fmt(held, 0) if held else 'none'}"
        f" msgs/s | ≥ {TARGETS['held']:,} |"
    )
    http = r.get("http")
    if http:
        out.append(
            f"| HTTP `POST /webchat/message` | {fmt(http['ok_per_s'], 0)} req/s (p99"
            f" {fmt(http['p99_ms'])} ms, c={http['concurrency']}) | — |"
        )
    idle = r.get("idle")
    if idle:
        out.append(
            f"| RSS per idle connection | {fmt(idle['kb_per_socket'])} KB"
            f" ({idle['sockets']} sockets) | ≤ {TARGETS['kb_per_socket']:.0f} KB |"
        )
    out += [
        "",
        "Steps (latency = ack'd send → `meta_message_created` on the other tab; CPU in % of"
        " one core, averaged over the step, summed over the server processes):",
        "",
        "| step | target msgs/s | sent/s | delivered msgs/s | lost | p50 ms | p99 ms |"
        " agent p99 ms | ack p99 ms | server CPU | redis | postgres | load gen | other |"
        " held |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for st in r["steps"]:
        cpu = st["cpu"]
        lost = f"{st['lost_messages']}"
        if st["unacked"] or st["failed_total"] or st["duplicates"]:
            lost += (
                f" (+{st['unacked']} unacked, {st['failed_total']} refused, {st['duplicates']} dup)"
            )
        out.append(
            f"| {st['label']} | {fmt(st['rate'], 0)} | {fmt(st['sent_per_s'], 0)} |"
            f" {fmt(st['delivered_per_s'], 0)} | {lost} | {fmt(st['p50_ms'])} |"
            f" {fmt(st['p99_ms'])} | {fmt(st['agent_p99_ms'])} | {fmt(st['ack_p99_ms'])} |"
            f" {fmt(cpu.get('server'), 0)}% | {fmt(cpu.get('redis'), 0)}% |"
            f" {fmt(cpu.get('postgres'), 0)}% | {fmt(cpu.get('loadgen'), 0)}% |"
            f" {fmt(cpu.get('other'), 0)}% | {'yes' if st['held'] else 'no'} |"
        )
    if idle:
        per = ", ".join(
            f"{p['before_kb'] / 1024:.0f} → {p['after_kb'] / 1024:.0f} MB ({p['sockets']} sockets)"
            for p in idle["per_server"]
            if p
        )
        out += ["", f"Idle sockets: server RSS {per}; {fmt(idle['connects_per_s'], 0)} connects/s."]
    prof = r.get("profile")
    if prof:
        out += [
            "",
            f"Profile: py-spy `--gil`, {prof['seconds']:.0f} s at {fmt(prof['rate'], 0)} msgs/s,"
            f" {prof['samples']:,} samples of the server's Python CPU time"
            f" (flame graph: `{prof['svg']}`, not committed).",
            "",
            "| where the server's CPU goes | % |",
            "|---|---|",
        ]
        out += [f"| {name} | {fmt(p)} |" for name, p in prof.get("buckets", [])[:16] if p >= 0.3]
        out += ["", "| self time by package | % |", "|---|---|"]
        out += [f"| {name} | {fmt(p)} |" for name, p in prof["self_by_package"][:10]]
        out += ["", "Top self time by function:", ""]
        out += [f"- {fmt(p)}% `{name}`" for name, p in prof["self_by_function"][:12]]
    return "\n".join(out) + "\n"


def write_docs(path: Path, key: str, block: str) -> None:
    """Replace the block between this configuration's markers (append it if absent)."""
    start = f"<!-- bench:results:{key}:start -->"
    end = f"<!-- bench:results:{key}:end -->"
    text = path.read_text() if path.exists() else "# Performance\n"
    wrapped = f"{start}\n{block}{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: wrapped, text)
    else:
        anchor = "<!-- bench:results:insert -->"
        if anchor in text:
            text = text.replace(anchor, f"{wrapped}\n\n{anchor}")
        else:
            text = text.rstrip("\n") + f"\n\n{wrapped}\n"
    path.write_text(text)
