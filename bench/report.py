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


# --- bench/run --noisy ------------------------------------------------------------------

NOISY_GOAL = 2.0  # the quiet tenant's p99 beside a flood / alone, at most


def noisy_line(r: dict[str, Any]) -> str:
    cpu = r["cpu"]
    line = (
        f"  round {r['round']} {r['config']:<16} quiet: {r['acked']}/{r['sent']} acked,"
        f" {r['lost']} lost, ack p50/p99 {fmt(r['ack_p50_ms'])}/{fmt(r['ack_p99_ms'])} ms,"
        f" agent p50/p99 {fmt(r['agent_p50_ms'])}/{fmt(r['agent_p99_ms'])} ms"
        f" | cpu server {fmt(cpu['server'], 0)}% redis {fmt(cpu['redis'], 0)}%"
        f" pg {fmt(cpu['postgres'], 0)}% gens {fmt(cpu['quiet_gen'], 0)}+"
        f"{fmt(cpu['flood_gen'], 0)}% softirq {fmt(cpu.get('irq'), 0)}%"
        f" other {fmt(cpu['other'], 0)}%"
    )
    f = r.get("flood")
    if f:
        line += (
            f"\n    flood: sockets {fmt(f['socket_sent_per_s'], 0)}/s sent,"
            f" {fmt(f['socket_ok_per_s'], 0)}/s taken, {fmt(f['socket_refused_per_s'], 0)}/s"
            f" refused {f['answers']}, {f['unanswered']} unanswered; HTTP"
            f" {fmt(f['http_offered_per_s'], 0)}/s offered, {f['http_statuses']},"
            f" {f['http_skipped']} skipped; {fmt(100 * f['refused_share'], 1)}% refused"
        )
    return line


def _discarded(x: dict[str, Any]) -> str:
    why = x.get("discarded")
    return "" if not why else f" ({'noisy' if why is True else why}, discarded)"


def _ratios(values: list[float | None]) -> str:
    return " / ".join(f"{v:.1f}×" if v is not None else "n/a" for v in values)


def noisy_summary(r: dict[str, Any]) -> str:
    lines = [f"== webchat bench ({r['label']}), goal: p99 beside the flood ≤ {NOISY_GOAL:.0f}×"]
    for row in r["summary"]:
        runs = row["runs"]
        lines.append(
            f"{row['config']:<16} ack p99 "
            + " / ".join(fmt(x["ack_p99_ms"]) for x in runs)
            + " ms, agent p99 "
            + " / ".join(fmt(x["agent_p99_ms"]) for x in runs)
            + " ms"
            + (
                f"; vs alone: ack {_ratios(row['ack_ratio'])}, agent {_ratios(row['agent_ratio'])}"
                if "ack_ratio" in row
                else ""
            )
        )
    return "\n".join(lines)


def noisy_markdown(r: dict[str, Any]) -> str:
    s = r["settings"]
    m = r["machine"]
    out = [
        f"### {r['label']} — {r['when']}",
        "",
        f"Command: `{r['command']}` at commit {m.get('commit', '?')}.",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), Python {m['python']}; {m.get('redis', '?')};"
        f" {m.get('postgres', '?')}. Everything shares these CPUs.",
        "",
        f"Settings: one server ({s['mode']}); quiet tenant {s['quiet_visitors']} visitor sockets"
        f" at {fmt(s['quiet_rate'], 0)} msgs/s in all + 1 agent socket; noisy tenant"
        f" {s['flood_visitors']} visitor sockets offered {fmt(s['flood_rate'], 0)} msgs/s and"
        f" `POST /webchat/message` offered {fmt(s['flood_http_rate'], 0)}/s, open loop, + 1"
        f" agent socket; tenant limit {s['tenant_limit']} (limited) or {s['no_limit']} (no"
        f" limit); {fmt(s['seconds'], 0)} s measured after {fmt(s['warmup'], 0)} s of flood;"
        f" {s['rounds']} round(s), ABBA.",
        "",
        "| round | configuration | quiet ack p50 / p95 / p99 ms | quiet agent p50 / p95 / p99"
        " ms | lost | flood socket sent/s (taken) | flood HTTP offered/s (201) | refused |"
        " server CPU | redis | postgres | load gens | softirq | other |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for x in r["runs"]:
        f = x.get("flood")
        cpu = x["cpu"]
        out.append(
            f"| {x['round']} | {x['config']} ({x['limit']})"
            f"{_discarded(x)} |"
            f" {fmt(x['ack_p50_ms'])} / {fmt(x['ack_p95_ms'])} / {fmt(x['ack_p99_ms'])} |"
            f" {fmt(x['agent_p50_ms'])} / {fmt(x['agent_p95_ms'])} / {fmt(x['agent_p99_ms'])} |"
            f" {x['lost'] + x['unacked']} |"
            + (
                f" {fmt(f['socket_sent_per_s'], 0)} ({fmt(f['socket_ok_per_s'], 0)}) |"
                f" {fmt(f['http_offered_per_s'], 0)} ({fmt(f['http_ok_per_s'], 0)}) |"
                f" {fmt(100 * f['refused_share'], 1)}% |"
                if f
                else " — | — | — |"
            )
            + f" {fmt(cpu['server'], 0)}% | {fmt(cpu['redis'], 0)}% | {fmt(cpu['postgres'], 0)}%"
            f" | {fmt(cpu['quiet_gen'], 0)}% + {fmt(cpu['flood_gen'], 0)}% |"
            f" {fmt(cpu.get('irq'), 0)}% | {fmt(cpu['other'], 0)}% |"
        )
    goal = f"goal ≤ {NOISY_GOAL:.0f}×"
    out += ["", f"Against the quiet tenant alone on the same server ({goal}):", ""]
    for row in r["summary"]:
        if "ack_ratio" in row:
            out.append(
                f"- {row['config']}: ack p99 {_ratios(row['ack_ratio'])}, agent p99"
                f" {_ratios(row['agent_ratio'])}"
            )
    prof = r.get("profile")
    if prof:
        out += [
            "",
            f"Profile of the first limited flood: py-spy `--gil`, {prof['seconds']:.0f} s,"
            f" {prof['samples']:,} samples (flame graph: `{prof['svg']}`, not committed).",
            "",
            "| where the server's CPU goes | % |",
            "|---|---|",
        ]
        out += [f"| {name} | {fmt(p)} |" for name, p in prof["buckets"][:12] if p >= 0.5]
        out += ["", "Inclusive time by function:", ""]
        out += [f"- {fmt(p)}% `{name}`" for name, p in prof["inclusive_by_function"][:25]]
    return "\n".join(out) + "\n"
