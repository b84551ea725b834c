"""Benchmark 2, idle connections: server memory per 1,000 idle visitor sockets and the connect
rate, up to 10,000 sockets, for Helpline and for the bare relay measured in the same run.

    .venv/bin/python -m bench.connections                    # SQLite, 10,000 sockets
    .venv/bin/python -m bench.connections --sockets 20000 --db postgres

Sockets open in batches (100 handshakes in flight); after each batch the server's RSS is read
once the sockets have sat idle for a few seconds. Memory per 1,000 is the growth of the RSS over
the server's RSS before the first socket, divided by the thousands of sockets open. Helpline's
visitor tokens come from REST sessions; past `--sessions` of them, several sockets share a
token (like tabs of one browser). RLIMIT_NOFILE is raised for the generator and the servers;
past 20,000 sockets the client spreads its source addresses over 127.0.0.2-9 so as not to run
out of ephemeral ports.
"""

import argparse
import asyncio
import contextlib
import sys
import time
import uuid
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import InvalidStatus

from bench import arrange, common
from bench.loadgen import Endpoint, open_socket

SETTLE_S = 3.0
IDLE_WINDOW_S = 10.0
BATCH_TIMEOUT_S = 45.0
RETRIES = 5
REFUSED = [0]
GOAL_MIB_PER_1000 = 30.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--sockets", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=2_500)
    parser.add_argument("--sessions", type=int, default=1_000, help="distinct visitor tokens")
    parser.add_argument("--concurrency", type=int, default=100, help="handshakes in flight")
    parser.add_argument("--no-baseline", action="store_true")
    return parser.parse_args(argv)


async def fill(
    endpoints: list[Endpoint], args: argparse.Namespace, watch: common.ResourceWatch, label: str
) -> list[dict[str, Any]]:
    """Open the sockets batch by batch; measure RSS and connect rate after each batch."""
    await asyncio.sleep(1.0)
    rss0 = watch.rss()
    opened: list[ClientConnection] = []
    rows: list[dict[str, Any]] = []
    spread = len(endpoints) > 20_000
    try:
        for start in range(0, len(endpoints), args.batch):
            batch = endpoints[start : start + args.batch]
            began = time.perf_counter()
            before = len(opened)
            cut_short = False
            try:
                async with asyncio.timeout(BATCH_TIMEOUT_S):
                    await _open_batch(opened, batch, start, args.concurrency, spread)
            except TimeoutError:
                print(f"  {label}: batch took over {BATCH_TIMEOUT_S:.0f} s, stopping there")
                cut_short = True
            took = time.perf_counter() - began
            await asyncio.sleep(SETTLE_S)
            rss = watch.rss()
            n = len(opened)
            row = {
                "server": label,
                "sockets": n,
                "connects_per_s": (len(opened) - before) / took,
                "rss_mib": rss / 2**20,
                "mib_per_1000": (rss - rss0) / 2**20 / (n / 1000),
            }
            row["refused"] = REFUSED[0]
            REFUSED[0] = 0
            rows.append(row)
            print(
                f"  {label}: {n:>6} sockets, connect {row['connects_per_s']:,.0f}/s, "
                f"RSS {row['rss_mib']:.0f} MiB, {row['mib_per_1000']:.1f} MiB per 1,000, "
                f"{row['refused']} handshakes refused",
                flush=True,
            )
            if cut_short:
                break
        if rows:
            # What the idle sockets cost in CPU (heartbeats, credential re-checks).
            cpu0 = watch.cpu()
            await asyncio.sleep(IDLE_WINDOW_S)
            rows[-1]["idle_cpu_pct"] = 100 * (watch.cpu() - cpu0) / IDLE_WINDOW_S
            alive = sum(1 for ws in opened if ws.close_code is None)
            rows[-1]["alive_after_idle"] = alive
            print(
                f"  {label}: idle {IDLE_WINDOW_S:.0f} s with {len(opened)} sockets: server CPU "
                f"{rows[-1]['idle_cpu_pct']:.0f}%, {alive} still open"
            )
    finally:
        await _close_all(opened)
    return rows


async def _open_batch(
    out: list[ClientConnection], batch: list[Endpoint], offset: int, concurrency: int, spread: bool
) -> None:
    """Open `batch` into `out` (which keeps what opened even if the batch is cut short)."""
    todo = iter(enumerate(batch, offset))

    async def worker() -> None:
        for i, endpoint in todo:
            local = (f"127.0.0.{2 + i % 8}", 0) if spread else None
            for attempt in range(RETRIES):
                try:
                    out.append(await open_socket(endpoint, local_addr=local))
                    break
                except InvalidStatus:
                    # A refused handshake (503: the database is busy) is retried, as the
                    # widget does, after a pause; the refusals are reported.
                    REFUSED[0] += 1
                    await asyncio.sleep(0.5 * (attempt + 1))

    async with asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(worker())


async def _close_all(sockets: list[ClientConnection]) -> None:
    for i in range(0, len(sockets), 500):
        await asyncio.gather(
            *(asyncio.wait_for(ws.close(), 5) for ws in sockets[i : i + 500]),
            return_exceptions=True,
        )


async def baseline(stack: arrange.Stack, args: argparse.Namespace) -> list[dict[str, Any]]:
    url, pid = stack.relay()
    ws = url.replace("http://", "ws://")
    endpoints = [Endpoint(f"{ws}/ws/widget", str(uuid.uuid4())) for _ in range(args.sockets)]
    watch = common.ResourceWatch([pid])
    try:
        return await fill(endpoints, args, watch, "relay")
    finally:
        watch.close()


async def helpline(stack: arrange.Stack, args: argparse.Namespace) -> list[dict[str, Any]]:
    server = await asyncio.to_thread(stack.helpline, db=args.db)
    began = time.perf_counter()
    sessions = min(args.sessions, args.sockets)
    visitors = await arrange.visitor_sessions(server, sessions, with_conversation=False)
    print(f"  {sessions} visitor sessions over REST in {time.perf_counter() - began:.1f} s")
    ws = server.ws(0)
    endpoints = [
        Endpoint(f"{ws}/ws/widget", visitors[i % len(visitors)].token, arrange.ORIGIN)
        for i in range(args.sockets)
    ]
    watch = common.ResourceWatch(server.pids)
    try:
        return await fill(endpoints, args, watch, f"helpline/{args.db}")
    finally:
        watch.close()


HEADERS = [
    "server",
    "sockets",
    "connects/s",
    "refused",
    "server RSS MiB",
    "MiB per 1,000",
    "idle CPU %",
]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    common.interrupts_as_exceptions()
    limit = common.raise_fd_limit(max(65536, 2 * args.sockets + 1000))
    info = common.print_machine()
    if limit < args.sockets + 1000:
        print(f"RLIMIT_NOFILE is {limit}: too low for {args.sockets} sockets")
        return 2
    with contextlib.ExitStack() as exit_stack:
        stack = arrange.Stack(exit_stack, "connections")
        relay: list[dict[str, Any]] = []
        if not args.no_baseline:
            print("baseline: bare relay (bench/bare_relay.py)")
            relay = asyncio.run(baseline(stack, args))
            stack.processes.stop_all()
        print(f"helpline: --db {args.db}")
        ours = asyncio.run(helpline(stack, args))
    rows = [
        [
            r["server"],
            r["sockets"],
            r["connects_per_s"],
            r["refused"],
            r["rss_mib"],
            r["mib_per_1000"],
            r.get("idle_cpu_pct", float("nan")),
        ]
        for r in relay + ours
    ]
    print(f"\nidle visitor sockets ({min(args.sessions, args.sockets)} distinct visitor tokens)")
    print(common.table(HEADERS, rows))
    summary: dict[str, Any] = {"machine": info, "config": vars(args), "rows": relay + ours}
    if ours:
        last = ours[-1]
        verdict = "met" if last["mib_per_1000"] < GOAL_MIB_PER_1000 else "NOT met"
        print(
            f"goal < {GOAL_MIB_PER_1000:g} MiB per 1,000 at {last['sockets']:,} sockets: "
            f"{last['mib_per_1000']:.1f} MiB, {verdict}"
        )
        if relay:
            ratio = last["mib_per_1000"] / relay[-1]["mib_per_1000"]
            summary["memory_ratio_to_relay"] = ratio
            print(f"helpline / relay memory per socket: {ratio:.1f}x")
    common.save_results(f"connections_{args.db}", summary)
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
