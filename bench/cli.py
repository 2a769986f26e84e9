"""`python -m bench`: start (or point at) webchat, load it, print and record the figures."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import shlex
import sys
import time
from array import array
from pathlib import Path
from typing import Any

from bench import infra, noisy, profiling, report
from bench.load import WorkerConfig, WorkerPool
from bench.measure import http_send, idle_rss, percentile

FULL_RATES = "250,500,1000,1500,2000,2500,3000,4000,5000,6000,8000"
QUICK = {
    "conversations": 20,
    "tabs": 2,
    "agents": 1,
    "fixed_rate": 100.0,
    "fixed_seconds": 3.0,
    "rates": "200,400",
    "step_seconds": 2.0,
    "drain": 3.0,
    "http_concurrency": 8,
    "http_seconds": 3.0,
    "idle": 200,
    "profile": 0.0,
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--start",
        action="store_true",
        help="start throwaway redis-server + PostgreSQL + webchat serve (the default)",
    )
    where.add_argument(
        "--embedded",
        action="store_true",
        help="start webchat serve on its embedded defaults (SQLite + in-process store)",
    )
    where.add_argument(
        "--url",
        action="append",
        help="a running server (repeat for several processes on one Redis); needs --keys",
    )
    p.add_argument(
        "--keys",
        action="append",
        metavar="PUBLIC:SECRET",
        help="with --url: a tenant's public and secret key; one load process per pair",
    )
    p.add_argument("--pid", action="append", type=int, help="with --url: server pids (RSS/CPU)")
    p.add_argument("--servers", type=int, default=1, help="server processes to start (1 or 2)")
    p.add_argument("--procs", type=int, default=1, help="load-generator processes")
    p.add_argument(
        "--client",
        choices=["raw", "python-socketio"],
        default="raw",
        help="socket client of the load generator (raw: Engine.IO over aiohttp)",
    )
    p.add_argument("--quick", action="store_true", help="a smoke run in under a minute")
    p.add_argument("--conversations", "-C", type=int, default=200)
    p.add_argument("--tabs", "-T", type=int, default=2)
    p.add_argument("--agents", "-A", type=int, default=2)
    p.add_argument("--text-bytes", type=int, default=40)
    p.add_argument("--fixed-rate", type=float, default=1000.0)
    p.add_argument("--fixed-seconds", type=float, default=15.0)
    p.add_argument("--rates", default=FULL_RATES, help="comma-separated increasing rates")
    p.add_argument("--step-seconds", type=float, default=10.0)
    p.add_argument("--drain", type=float, default=5.0, help="seconds to wait for stragglers")
    p.add_argument(
        "--stop-after", type=int, default=1, help="stop the ramp after this many failed steps"
    )
    p.add_argument("--http-concurrency", type=int, default=32)
    p.add_argument("--http-seconds", type=float, default=10.0)
    p.add_argument("--idle", type=int, default=2000, help="idle sockets for the RSS figure")
    p.add_argument(
        "--profile",
        type=float,
        default=20.0,
        help="seconds of py-spy at the highest held rate (0: no profile)",
    )
    p.add_argument("--profile-rate", type=float, help="profile at this rate instead")
    p.add_argument(
        "--quiet-below",
        type=float,
        default=None,
        metavar="PCT",
        help="before each step wait (up to --quiet-wait s) until processes other than the"
        " bench's use less than PCT%% of one CPU (default 30 for a full run, off for --quick)",
    )
    p.add_argument("--quiet-wait", type=float, default=180.0)
    p.add_argument(
        "--noisy-retries",
        type=int,
        default=2,
        help="re-run a step that failed while other processes used more than the quiet"
        " threshold (only with a threshold)",
    )
    p.add_argument("--out", default="bench/results", help="directory for JSON and profiles")
    p.add_argument(
        "--write",
        help="the Markdown file to record the figures in (default: docs/performance.md for a"
        " full run, nothing for --quick); 'none' to skip",
    )
    p.add_argument("--label", help="name of this configuration in docs/performance.md")
    group = p.add_argument_group("a noisy tenant beside a quiet one (--noisy)")
    group.add_argument(
        "--noisy",
        action="store_true",
        help="instead of the steps: a quiet tenant's latency alone and beside a tenant"
        " flooding, with and without the tenant limit",
    )
    group.add_argument("--noisy-rounds", type=int, default=2, help="rounds (ABBA order)")
    group.add_argument("--noisy-seconds", type=float, default=30.0, help="seconds measured")
    group.add_argument(
        "--noisy-warmup", type=float, default=3.0, help="seconds of flood before measuring"
    )
    group.add_argument("--quiet-visitors", type=int, default=4)
    group.add_argument("--quiet-rate", type=float, default=20.0, help="quiet msgs/s, in all")
    group.add_argument(
        "--flood-rate", type=float, default=1000.0, help="noisy socket msgs/s offered"
    )
    group.add_argument(
        "--flood-http-rate", type=float, default=100.0, help="noisy HTTP sends/s offered"
    )
    group.add_argument("--flood-visitors", type=int, default=100, help="noisy visitor sockets")
    group.add_argument(
        "--tenant-limit",
        default="50/second",
        help="WEBCHAT_TENANT_RATE_LIMIT of the limited server (2.5x the quiet rate)",
    )
    group.add_argument(
        "--no-limit",
        default="600000/minute",
        help="WEBCHAT_TENANT_RATE_LIMIT of the unlimited server (the shipped default)",
    )
    return p


NOISY_QUICK = {"noisy_rounds": 1, "noisy_seconds": 5.0, "flood_rate": 500.0, "drain": 3.0}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    if args.quick:
        defaults = parser().parse_args([])
        for key, value in QUICK.items():
            if getattr(args, key) == getattr(defaults, key):
                setattr(args, key, value)
    infra.raise_fd_limit()
    stack = infra.Stack()
    if args.noisy:
        return _noisy(args, argv, stack)
    try:
        urls, pids, keys, mode = _servers(args, stack)
        print(f"bench: servers {urls} (pids {pids}), mode {mode}", flush=True)
        result = _run(args, argv, stack, urls, pids, keys, mode)
        print(report.terminal_summary(result), flush=True)
        _save(args, result)
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        stack.close()


def _noisy(args: argparse.Namespace, argv: list[str], stack: infra.Stack) -> int:
    if args.url or args.embedded or args.servers != 1:
        raise SystemExit("--noisy starts its own servers on throwaway Redis + PostgreSQL")
    if args.quick:
        defaults = parser().parse_args([])
        for key, value in NOISY_QUICK.items():
            if getattr(args, key) == getattr(defaults, key):
                setattr(args, key, value)
    try:
        result = noisy.run(args, argv, stack)
        print(report.noisy_summary(result), flush=True)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        (out / f"noisy-{stamp}.json").write_text(json.dumps(result, indent=1, default=str))
        target = args.write or (None if args.quick else "docs/performance.md")
        if target and target != "none":
            report.write_docs(Path(target), "noisy-tenant", report.noisy_markdown(result))
            print(f"bench: figures written to {target}", flush=True)
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        stack.close()


def _servers(
    args: argparse.Namespace, stack: infra.Stack
) -> tuple[list[str], list[int | None], list[tuple[str, str]], str]:
    if args.url:
        if not args.keys:
            raise SystemExit("--url needs --keys PUBLIC:SECRET (webchat tenant create ID)")
        keys = [tuple(k.split(":", 1)) for k in args.keys]
        pids: list[int | None] = list(args.pid or [infra.pid_listening_on(u) for u in args.url])
        args.procs = len(keys)
        return list(args.url), pids, keys, "external"  # type: ignore[return-value]
    if args.embedded:
        if args.servers != 1:
            raise SystemExit("--embedded runs one process (its store is in-process)")
        mode = "embedded SQLite + in-process store"
    else:
        t0 = time.perf_counter()
        stack.start_redis()
        stack.start_postgres()
        print(f"bench: redis + postgres up in {time.perf_counter() - t0:.1f}s", flush=True)
        mode = "redis-server + PostgreSQL, fsync off"
    keys = []
    for i in range(args.procs):
        tenant = stack.create_tenant(f"bench{i}")
        keys.append((tenant["publicKey"], tenant["secretKey"]))
    servers = [stack.start_server() for _ in range(args.servers)]
    return [s.url for s in servers], [s.pid for s in servers], keys, mode


def _cpu_groups(stack: infra.Stack, pids: list[int | None], pool: WorkerPool) -> dict[str, list]:
    groups: dict[str, list[int]] = {"server": [p for p in pids if p], "loadgen": pool.pids}
    if stack.redis_pid:
        groups["redis"] = [stack.redis_pid]
    if stack.postgres_pid:
        groups["postgres"] = [stack.postgres_pid, *infra.children(stack.postgres_pid)]
    return groups


def _run(
    args: argparse.Namespace,
    argv: list[str],
    stack: infra.Stack,
    urls: list[str],
    pids: list[int | None],
    keys: list[tuple[str, str]],
    mode: str,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "label": args.label or _default_label(args, urls, mode),
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python -m bench " + shlex.join(argv),
        "machine": infra.machine_facts(),
        "settings": {
            "mode": mode,
            "servers": len(urls),
            "procs": len(keys),
            "conversations": args.conversations,
            "tabs": args.tabs,
            "agents": args.agents,
            "text_bytes": args.text_bytes,
            "step_seconds": args.step_seconds,
            "drain": args.drain,
            "http_concurrency": args.http_concurrency,
            "idle": args.idle,
            "client": args.client,
        },
        "steps": [],
    }
    if args.idle:
        print(f"bench: RSS with {args.idle} idle sockets…", flush=True)
        result["idle"] = _async(idle_rss(urls, pids, keys[0][0], args.idle))
        print(f"  {report.fmt(result['idle']['kb_per_socket'])} KB per socket", flush=True)

    configs = [
        WorkerConfig(
            worker=i,
            urls=urls,
            public_key=pk,
            secret_key=sk,
            conversations=args.conversations,
            tabs=args.tabs,
            agents=args.agents,
            text_bytes=args.text_bytes,
            client=args.client,
        )
        for i, (pk, sk) in enumerate(keys)
    ]
    pool = WorkerPool(configs)
    try:
        opened = pool.call("open")
        print(
            f"bench: {sum(o['sockets'] for o in opened)} sockets open in"
            f" {max(o['seconds'] for o in opened):.1f}s",
            flush=True,
        )
        groups = _cpu_groups(stack, pids, pool)
        step_no = 0

        quiet_below = (
            args.quiet_below if args.quiet_below is not None else (None if args.quick else 30.0)
        )

        def run_step(label: str, rate: float, seconds: float) -> dict[str, Any]:
            step = measure_step(label, rate, seconds)
            retries = args.noisy_retries if quiet_below else 0
            while retries > 0 and not step["held"] and step["cpu"]["other"] > quiet_below:
                retries -= 1
                print(f"  (noisy: other processes at {step['cpu']['other']:.0f}%; again)")
                step["label"] += " (noisy, discarded)"
                step = measure_step(label, rate, seconds)
            return step

        def measure_step(
            label: str, rate: float, seconds: float, wait: bool = True
        ) -> dict[str, Any]:
            nonlocal step_no
            step_no += 1
            if quiet_below and wait:
                _wait_quiet(groups, quiet_below, args.quiet_wait)
            before = {k: infra.group_cpu_seconds(v) for k, v in groups.items()}
            busy0 = infra.machine_busy_seconds()
            t0 = time.perf_counter()
            replies = pool.call("step", rate / len(keys), seconds, args.drain, step_no)
            wall = time.perf_counter() - t0
            cpu = {
                k: 100.0 * (infra.group_cpu_seconds(v) - before[k]) / wall
                for k, v in groups.items()
            }
            # Everything else on the machine (other users' tests, …): a noisy neighbour
            # shows up here rather than silently in the latencies.
            busy = 100.0 * (infra.machine_busy_seconds() - busy0) / wall
            cpu["other"] = max(0.0, busy - sum(cpu.values()))
            cpu["load_avg"] = infra.load_average()
            step = _merge(label, rate, replies, cpu)
            result["steps"].append(step)
            print(report.step_line(step), flush=True)
            return step

        if args.fixed_seconds > 0:
            print("bench: fixed rate", flush=True)
            result["fixed"] = run_step("fixed", args.fixed_rate, args.fixed_seconds)
        print("bench: increasing rates", flush=True)
        held = None
        failures = 0
        for rate in [float(r) for r in args.rates.split(",") if r.strip()]:
            step = run_step("ramp", rate, args.step_seconds)
            if step["held"]:
                held = rate if held is None else max(held, rate)
            else:
                failures += 1
                if failures >= args.stop_after:
                    break
        fixed = result.get("fixed")
        if fixed and fixed["held"] and (held is None or args.fixed_rate > held):
            held = max(held or 0, args.fixed_rate)
        result["held_rate"] = held

        profile_rate = args.profile_rate or held
        if args.profile and profile_rate and pids[0]:
            print(f"bench: profiling server pid {pids[0]} at {profile_rate:.0f} msgs/s", flush=True)
            out = Path(args.out)
            if quiet_below:  # before py-spy starts: it records for a fixed time
                _wait_quiet(groups, quiet_below, args.quiet_wait)
            recorders = profiling.start(pids[0], args.profile, out)
            time.sleep(0.5)
            measure_step("profile", profile_rate, args.profile, wait=False)
            for rec in recorders:
                rec.wait(60)
            raw = out / f"profile-{pids[0]}.txt"
            if raw.exists():
                summary = profiling.summarize(raw)
                summary.update(
                    seconds=args.profile, rate=profile_rate, svg=str(raw.with_suffix(".svg"))
                )
                result["profile"] = summary
    finally:
        pool.close()

    if args.http_seconds:
        print("bench: HTTP POST /webchat/message", flush=True)
        if quiet_below:
            _wait_quiet({"server": [p for p in pids if p]}, quiet_below, args.quiet_wait)
        result["http"] = _async(
            http_send(urls, keys[0][0], args.http_concurrency, args.http_seconds)
        )
    return result


def _wait_quiet(groups: dict[str, list[int]], below: float, max_wait: float) -> None:
    """Wait until the rest of the machine (other users' tests…) is nearly idle."""
    deadline = time.monotonic() + max_wait
    other = 0.0
    waited = 0
    while time.monotonic() < deadline:
        ours0 = sum(infra.group_cpu_seconds(v) for v in groups.values())
        busy0 = infra.machine_busy_seconds()
        time.sleep(1.0)
        ours = sum(infra.group_cpu_seconds(v) for v in groups.values()) - ours0
        other = 100.0 * (infra.machine_busy_seconds() - busy0 - ours)
        if other < below:
            return
        if waited % 10 == 0:
            print(f"  (waiting: other processes use {other:.0f}% CPU)", flush=True)
        waited += 1
    print(f"  (gave up waiting for a quiet machine: other processes at {other:.0f}%)", flush=True)


def _merge(label: str, rate: float, replies: list[dict], cpu: dict[str, float]) -> dict:
    lat_tab: array[float] = array("d")
    lat_agent: array[float] = array("d")
    lat_ack: array[float] = array("d")
    for r in replies:
        lat_tab.extend(r["lat_tab"])
        lat_agent.extend(r["lat_agent"])
        lat_ack.extend(r["lat_ack"])
    total = {
        k: sum(r[k] for r in replies)
        for k in (
            "sent",
            "acked",
            "unacked",
            "complete",
            "lost_messages",
            "lost_deliveries",
            "duplicates",
            "unknown",
            "deliveries",
        )
    }
    failed: dict[str, int] = {}
    for r in replies:
        for code, n in r["failed"].items():
            failed[code] = failed.get(code, 0) + n
    start = min(r["start"] for r in replies)
    send_seconds = max(r["send_seconds"] for r in replies)
    last = max(r["last_complete"] for r in replies)
    span = max(last - start, send_seconds)
    step = {
        "label": label,
        "rate": rate,
        **total,
        "failed": failed,
        "failed_total": sum(failed.values()),
        "sent_per_s": total["sent"] / send_seconds,
        "delivered_per_s": total["complete"] / span if span > 0 else 0.0,
        "deliveries_per_s": total["deliveries"] / span if span > 0 else 0.0,
        "p50_ms": percentile(lat_tab, 0.5) * 1000,
        "p99_ms": percentile(lat_tab, 0.99) * 1000,
        "max_ms": max(lat_tab, default=float("nan")) * 1000,
        "agent_p99_ms": percentile(lat_agent, 0.99) * 1000,
        "ack_p50_ms": percentile(lat_ack, 0.5) * 1000,
        "ack_p99_ms": percentile(lat_ack, 0.99) * 1000,
        "send_lag_max_ms": max(r["send_lag_max"] for r in replies) * 1000,
        "cpu": {**cpu, "loadgen": 100.0 * sum(r["cpu_seconds"] for r in replies) / span},
    }
    step["held"] = (
        total["sent"] > 0
        and total["lost_messages"] == 0
        and total["unacked"] == 0
        and not failed
        and total["duplicates"] == 0
        and step["p99_ms"] < 100.0
        and step["sent_per_s"] >= 0.95 * rate
        and step["delivered_per_s"] >= 0.95 * rate
    )
    return step


def _default_label(args: argparse.Namespace, urls: list[str], mode: str) -> str:
    kind = "quick" if args.quick else "full"
    where = "embedded" if args.embedded else ("external" if args.url else "redis+postgres")
    return f"{kind}, {len(urls)} server process{'es' if len(urls) > 1 else ''}, {where}"


def _save(args: argparse.Namespace, result: dict[str, Any]) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"bench-{stamp}.json").write_text(json.dumps(result, indent=1, default=str))
    target = args.write or (None if args.quick else "docs/performance.md")
    if target and target != "none":
        key = "-".join(result["label"].replace(",", "").replace("+", "-").split())
        report.write_docs(Path(target), key, report.markdown(result))
        print(f"bench: figures written to {target}", flush=True)


def _async(coro: Any) -> Any:
    try:
        import uvloop

        return uvloop.run(coro)
    except ImportError:  # pragma: no cover
        return asyncio.run(coro)
