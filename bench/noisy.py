"""`bench/run --noisy`: a tenant flooding beside a quiet one (issue 16).

The quiet tenant: a few visitor sockets sending at a steady modest rate, open loop, and an
agent socket receiving; its send → ack and send → agent latencies are the figures. The
noisy tenant, on the same server: visitor sockets and `POST /webchat/message` sending far
above the tenant's limit, open loop, from a load process of its own (so its work does not
delay the quiet tenant's clock), and an agent socket receiving what is taken.

Per round, one server with `WEBCHAT_TENANT_RATE_LIMIT` at `--tenant-limit` and one with it
at `--no-limit` (the shipped default: above what a node takes, so no limit in effect), each
measured alone and beside the flood; the rounds alternate the order (ABBA) so that a drift
of the shared machine does not fall on one configuration.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import time
from pathlib import Path
from typing import Any

from bench import infra, profiling, report
from bench.load import FloodConfig, WorkerConfig, WorkerPool
from bench.measure import percentile


def run(args: argparse.Namespace, argv: list[str], stack: infra.Stack) -> dict[str, Any]:
    t0 = time.perf_counter()
    stack.start_redis()
    stack.start_postgres()
    print(f"bench: redis + postgres up in {time.perf_counter() - t0:.1f}s", flush=True)
    quiet = stack.create_tenant("quiet")
    noisy = stack.create_tenant("noisy")
    quiet_below: float | None = (
        args.quiet_below if args.quiet_below is not None else (None if args.quick else 30.0)
    )
    result: dict[str, Any] = {
        "label": "noisy tenant beside a quiet one",
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python -m bench " + shlex.join(argv),
        "machine": infra.machine_facts(),
        "settings": {
            "mode": "redis-server + PostgreSQL, fsync off",
            "quiet_visitors": args.quiet_visitors,
            "quiet_rate": args.quiet_rate,
            "seconds": args.noisy_seconds,
            "warmup": args.noisy_warmup,
            "flood_rate": args.flood_rate,
            "flood_http_rate": args.flood_http_rate,
            "flood_visitors": args.flood_visitors,
            "tenant_limit": args.tenant_limit,
            "no_limit": args.no_limit,
            "rounds": args.noisy_rounds,
            "quiet_below": quiet_below,
        },
        "runs": [],
    }
    step_no = 0
    limits = [("limited", args.tenant_limit), ("no limit", args.no_limit)]
    for round_no in range(args.noisy_rounds):
        order = limits if round_no % 2 == 0 else limits[::-1]
        for name, limit in order:
            server = stack.start_server(env={"WEBCHAT_TENANT_RATE_LIMIT": limit})
            print(f"bench: round {round_no + 1}, server {server.url} with tenant limit {limit}")
            quiet_pool = WorkerPool(
                [
                    WorkerConfig(
                        worker=0,
                        urls=[server.url],
                        public_key=quiet["publicKey"],
                        secret_key=quiet["secretKey"],
                        conversations=args.quiet_visitors,
                        tabs=1,
                        agents=1,
                        text_bytes=args.text_bytes,
                    )
                ]
            )
            flood_pool = WorkerPool(
                [
                    FloodConfig(
                        worker=1,
                        urls=[server.url],
                        public_key=noisy["publicKey"],
                        secret_key=noisy["secretKey"],
                        visitors=args.flood_visitors,
                        text_bytes=args.text_bytes,
                    )
                ]
            )
            try:
                quiet_pool.call("open")
                flood_pool.call("open")
                groups: dict[str, list[int]] = {
                    "server": [server.pid] if server.pid else [],
                    "redis": [stack.redis_pid] if stack.redis_pid else [],
                    "postgres": [stack.postgres_pid, *infra.children(stack.postgres_pid)]
                    if stack.postgres_pid
                    else [],
                    "quiet_gen": quiet_pool.pids,
                    "flood_gen": flood_pool.pids,
                }
                # Warm-up: the first sends of a fresh server pay for caches and pools.
                step_no += 1
                quiet_pool.call("step", args.quiet_rate, 3.0, args.drain, step_no)
                floods = [False, True] if round_no % 2 == 0 else [True, False]
                for flood in floods:
                    step_no += 1
                    if quiet_below:
                        _wait_quiet(groups, quiet_below, args.quiet_wait)
                    # py-spy on the first limited flood: where a refused send's time goes.
                    profile = (
                        flood
                        and name == "limited"
                        and "profile" not in result
                        and bool(args.profile)
                        and not args.quick
                        and profiling.py_spy() is not None
                    )
                    retries = args.noisy_retries if quiet_below else 0
                    while True:
                        one = _measure(
                            args,
                            quiet_pool,
                            flood_pool,
                            groups,
                            flood,
                            step_no,
                            server.pid if profile else None,
                        )
                        one.update(
                            round=round_no + 1,
                            limit_name=name,
                            limit=limit,
                            config="alone" if not flood else f"flood, {name}",
                            discarded=False,
                        )
                        result["runs"].append(one)
                        print(report.noisy_line(one), flush=True)
                        time.sleep(2.0)  # let a backlog the flood left behind drain
                        if "profile" in one:
                            # py-spy pauses the server to sample it: not a figure to keep.
                            result["profile"] = one.pop("profile")
                            one["discarded"] = "profiled"
                            profile = False
                            step_no += 1
                            continue
                        if not quiet_below or one["cpu"]["other"] <= quiet_below or retries <= 0:
                            break
                        retries -= 1
                        one["discarded"] = True
                        print(f"  (noisy: other processes at {one['cpu']['other']:.0f}%; again)")
                        step_no += 1
                        _wait_quiet(groups, quiet_below, args.quiet_wait)
            finally:
                flood_pool.close()
                quiet_pool.close()
                server.stop()
    result["summary"] = summarize(result["runs"])
    return result


def _measure(
    args: argparse.Namespace,
    quiet_pool: WorkerPool,
    flood_pool: WorkerPool,
    groups: dict[str, list[int]],
    flood: bool,
    step_no: int,
    profile_pid: int | None = None,
) -> dict[str, Any]:
    recorders = []
    if flood:
        seconds = args.noisy_warmup + args.noisy_seconds + 1.0
        flood_pool.send("step", args.flood_rate, args.flood_http_rate, seconds, step_no)
        time.sleep(args.noisy_warmup)  # the flood (and the limiter's window) in its stride
        if profile_pid:
            secs = min(args.profile, args.noisy_seconds)
            recorders = profiling.start(profile_pid, secs, Path(args.out))
    if groups["postgres"]:  # backends opened since the last reading count too
        groups["postgres"] = [groups["postgres"][0], *infra.children(groups["postgres"][0])]
    before = {k: infra.group_cpu_seconds(v) for k, v in groups.items()}
    busy0 = infra.machine_busy_seconds()
    irq0 = infra.machine_irq_seconds()
    t0 = time.perf_counter()
    (quiet,) = quiet_pool.call("step", args.quiet_rate, args.noisy_seconds, args.drain, step_no)
    wall = time.perf_counter() - t0
    cpu = {k: 100.0 * (infra.group_cpu_seconds(v) - before[k]) / wall for k, v in groups.items()}
    busy = 100.0 * (infra.machine_busy_seconds() - busy0) / wall
    # The sockets' softirq time is the bench's own, not a neighbour's: apart from `other`.
    cpu["irq"] = 100.0 * (infra.machine_irq_seconds() - irq0) / wall
    cpu["other"] = max(0.0, busy - sum(cpu.values()))
    cpu["load_avg"] = infra.load_average()
    out: dict[str, Any] = {
        "sent": quiet["sent"],
        "acked": quiet["acked"],
        "refused": sum(quiet["failed"].values()),
        "unacked": quiet["unacked"],
        "lost": quiet["lost_messages"],
        "cpu": cpu,
    }
    for name, values in (("ack", quiet["lat_ack"]), ("agent", quiet["lat_agent"])):
        for q in (50, 95, 99):
            out[f"{name}_p{q}_ms"] = percentile(values, q / 100) * 1000
        out[f"{name}_max_ms"] = max(values, default=float("nan")) * 1000
    if flood:
        (f,) = flood_pool.receive("step", timeout=120)
        secs = f["send_seconds"]
        ok = f["answers"].get("ok", 0)
        refused = sum(n for code, n in f["answers"].items() if code != "ok")
        http_ok = f["http_statuses"].get("201", 0)
        http_429 = f["http_statuses"].get("429", 0)
        out["flood"] = {
            **f,
            "socket_sent_per_s": f["sent"] / secs,
            "socket_ok_per_s": ok / secs,
            "socket_refused_per_s": refused / secs,
            "http_offered_per_s": f["http_offered"] / secs,
            "http_ok_per_s": http_ok / secs,
            "http_429_per_s": http_429 / secs,
            "refused_share": (refused + http_429)
            / max(1, f["sent"] + f["http_offered"] - f["http_skipped"]),
        }
    for rec in recorders:
        rec.wait(60)
    raw = Path(args.out) / f"profile-{profile_pid}.txt"
    if profile_pid and raw.exists():
        out["profile"] = profiling.summarize(raw)
        out["profile"].update(
            seconds=min(args.profile, args.noisy_seconds), svg=str(raw.with_suffix(".svg"))
        )
    return out


def summarize(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per configuration: the runs' figures side by side, and each flood run's p99 against
    the quiet tenant alone on the same server (same round, same limit)."""
    kept = [r for r in runs if not r.get("discarded")]
    alone = {(r["round"], r["limit_name"]): r for r in kept if r["config"] == "alone"}
    rows: list[dict[str, Any]] = []
    for config in ("alone", "flood, limited", "flood, no limit"):
        mine = [r for r in kept if r["config"] == config]
        if not mine:
            continue
        row: dict[str, Any] = {"config": config, "runs": mine}
        if config != "alone":
            base = [alone.get((r["round"], r["limit_name"])) for r in mine]
            row["ack_ratio"] = [
                r["ack_p99_ms"] / b["ack_p99_ms"] if b else None
                for r, b in zip(mine, base, strict=True)
            ]
            row["agent_ratio"] = [
                r["agent_p99_ms"] / b["agent_p99_ms"] if b else None
                for r, b in zip(mine, base, strict=True)
            ]
        rows.append(row)
    return rows


def _wait_quiet(groups: dict[str, list[int]], below: float, max_wait: float) -> None:
    from bench.cli import _wait_quiet as wait

    wait(groups, below, max_wait)
