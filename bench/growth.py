"""Benchmark 3, growth: does the latency of the hot paths stay flat as a workspace grows?

    .venv/bin/python -m bench.growth --db sqlite
    .venv/bin/python -m bench.growth --db postgres --sizes 1000,10000,100000,1000000

At each size N the workspace holds N conversations (one message each) and one "long"
conversation of N messages, generated directly in the database with bulk INSERT ... SELECT
statements that clone rows Helpline itself wrote through the API (so every column has the
representation Helpline gives it). Then, through the REST API of a running `helpline serve`:

- post: a visitor posts a message to the long conversation (the seq allocation, the
  idempotency lookup and the fan-out bookkeeping);
- inbox: an owner lists the inbox (first page, newest activity first);
- history: the newest page of the long conversation, and a page from its middle (after_seq).

Baseline in the same run: the same requests at the smallest size. The indexes say all four
should stay flat; the ratio to the smallest size is printed.
"""

import argparse
import asyncio
import contextlib
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench import arrange, common

SIZES = [1_000, 10_000, 100_000, 1_000_000]
SAMPLES = 60
# Generated ids: hex of a counter, in ranges that cannot collide with each other; Helpline's
# own ids are UUIDv7 (time-ordered), far above them.
CONV_BASE = 1 << 40
BULK_MSG_BASE = 2 << 40
LONG_MSG_BASE = 3 << 40
LONG_SEQ_BASE = 100


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--sizes", type=lambda t: [int(x) for x in t.split(",")], default=SIZES)
    parser.add_argument("--samples", type=int, default=SAMPLES)
    return parser.parse_args(argv)


class Database:
    """Runs the generation SQL on SQLite (sqlite3) or PostgreSQL (psql)."""

    def __init__(self, server: arrange.Helpline, stack: arrange.Stack) -> None:
        self.kind = server.db
        if self.kind == "sqlite":
            self.path = Path(server.env["HELPLINE_DATA_DIR"], "helpline.db")
        else:
            assert stack.postgres is not None  # noqa: S101 (the postgres configuration)
            self.pg = stack.postgres
            self.psql = str(common._find_pg_bin() / "psql")

    def execute(self, sql: str) -> None:
        if self.kind == "sqlite":
            with contextlib.closing(sqlite3.connect(self.path, timeout=60)) as conn:
                conn.execute("PRAGMA foreign_keys=OFF")
                try:
                    conn.executescript(f"BEGIN; {sql}; COMMIT;")
                except sqlite3.Error as error:
                    raise RuntimeError(f"{error} in: {sql}") from error
            return
        common.run_checked(self._psql("-c", sql), what="psql")

    def columns(self, table: str) -> list[str]:
        if self.kind == "sqlite":
            with contextlib.closing(sqlite3.connect(self.path)) as conn:
                return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        out = common.run_checked(
            self._psql(
                "-At",
                "-c",
                "SELECT column_name FROM information_schema.columns "
                f"WHERE table_name = '{table}' ORDER BY ordinal_position",
            ),
            what="psql",
        )
        return out.split()

    def _psql(self, *args: str) -> list[str]:
        return [self.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1"] + [
            "-p",
            str(self.pg.port),
            "-U",
            "helpline",
            "-d",
            "helpline",
            *args,
        ]

    # --- expressions in each dialect ----------------------------------------------------

    def id_of(self, n: str) -> str:
        if self.kind == "sqlite":
            return f"printf('%032x', {n})"
        return f"lpad(to_hex({n}), 32, '0')::uuid"

    def literal_id(self, value: str) -> str:
        return f"'{value.replace('-', '')}'" if self.kind == "sqlite" else f"'{value}'::uuid"

    def minus_seconds(self, column: str, n: str) -> str:
        if self.kind == "sqlite":
            # Helpline's SQLite timestamps are text, "YYYY-MM-DD HH:MM:SS.ffffff".
            return (
                f"strftime('%Y-%m-%d %H:%M:%S', {column}, '-' || ({n}) || ' seconds') || '.000000'"
            )
        return f"{column} - ({n}) * interval '1 second'"

    def series(self, start: int, end: int) -> str:
        """A CTE `seq(n)` from start to end inclusive."""
        if self.kind == "sqlite":
            return (
                f"WITH RECURSIVE seq(n) AS (SELECT {start} UNION ALL "
                f"SELECT n + 1 FROM seq WHERE n < {end}) "
            )
        return f"WITH seq(n) AS (SELECT generate_series({start}, {end})) "

    def clone(
        self, table: str, template_id: str, overrides: dict[str, str], start: int, end: int
    ) -> None:
        columns = self.columns(table)
        select = ", ".join(overrides.get(c, f"t.{c}") for c in columns)
        self.execute(
            f"{self.series(start, end)}INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {select} FROM seq, {table} t WHERE t.id = {self.literal_id(template_id)}"
        )


async def _setup(server: arrange.Helpline) -> dict[str, Any]:
    """Two visitors: one whose conversation and message are the templates, one with the long
    conversation that is posted to and paged."""
    visitors = await arrange.visitor_sessions(server, 2, with_conversation=True, concurrency=1)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        for v in visitors:
            posted = await http.post(
                f"/api/v1/widget/conversations/{v.conversation_id}/messages",
                headers={"Authorization": f"Bearer {v.token}"},
                json={"body": "A first message, the template of many.", "client_message_id": "t"},
            )
            posted.raise_for_status()
            v_msg = posted.json()["id"]
        template_message = v_msg
    return {"template": visitors[0], "long": visitors[1], "message": template_message}


def grow(db: Database, ids: dict[str, Any], have: int, size: int) -> None:
    """From `have` to `size` conversations (one message each) and messages in the long one."""
    if size <= have:
        return
    first, last = have + 1, size
    template_conv = ids["template"].conversation_id
    conv_id = db.id_of(f"{CONV_BASE} + n")
    db.clone(
        "conversations",
        template_conv,
        {
            "id": conv_id,
            "number": "1000 + n",
            "public_id": "'g' || n",
            "last_seq": "1",
            "last_activity_at": db.minus_seconds("t.last_activity_at", "n"),
            "created_at": db.minus_seconds("t.created_at", "n"),
            "waiting_since": db.minus_seconds("t.created_at", "n"),
        },
        first,
        last,
    )
    db.clone(
        "messages",
        ids["message"],
        {
            "id": db.id_of(f"{BULK_MSG_BASE} + n"),
            "conversation_id": conv_id,
            "seq": "1",
            "client_message_id": "NULL",
            "created_at": db.minus_seconds("t.created_at", "n"),
        },
        first,
        last,
    )
    long_conv = db.literal_id(ids["long"].conversation_id)
    # The long conversation keeps its real messages; generated ones follow them.
    db.clone(
        "messages",
        ids["message"],
        {
            "id": db.id_of(f"{LONG_MSG_BASE} + n"),
            "conversation_id": long_conv,
            # After whatever the earlier sizes' measurements posted.
            "seq": f"(SELECT last_seq FROM conversations WHERE id = {long_conv}) + n - {have}",
            "client_message_id": "NULL",
        },
        first,
        last,
    )
    db.execute(
        f"UPDATE conversations SET last_seq = (SELECT max(seq) FROM messages "
        f"WHERE conversation_id = {long_conv}) WHERE id = {long_conv}; "
        f"UPDATE conversation_counters SET last_number = {1000 + size + 1}"
    )
    if db.kind == "postgres":
        db.execute("ANALYZE conversations; ANALYZE messages")
    else:
        db.execute("ANALYZE")


async def measure(
    server: arrange.Helpline, ids: dict[str, Any], size: int, samples: int
) -> dict[str, float]:
    owner = {"Authorization": f"Bearer {server.agents[0].token}"}
    visitor = {"Authorization": f"Bearer {ids['long'].token}"}
    long_id = ids["long"].conversation_id
    out: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:

        async def timed(name: str, method: str, url: str, **kw: Any) -> None:
            times = []
            for i in range(samples):
                if method == "POST":
                    kw["json"] = {
                        "body": "How does it look now?",
                        "client_message_id": f"{size}-{i}",
                    }
                began = time.perf_counter()
                response = await http.request(method, url, **kw)
                times.append(time.perf_counter() - began)
                response.raise_for_status()
            times.sort()
            out[f"{name}_p50"] = statistics.median(times) * 1000
            out[f"{name}_p99"] = common.percentile(times, 99) * 1000

        await timed(
            "post", "POST", f"/api/v1/widget/conversations/{long_id}/messages", headers=visitor
        )
        await timed("inbox", "GET", "/api/v1/conversations", headers=owner)
        history = f"/api/v1/conversations/{long_id}/messages"
        await timed("history_newest", "GET", history, headers=owner, params={"limit": 50})
        await timed(
            "history_middle",
            "GET",
            history,
            headers=owner,
            params={"limit": 50, "after_seq": LONG_SEQ_BASE + size // 2},
        )
    return out


PATHS = ["post", "inbox", "history_newest", "history_middle"]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    common.interrupts_as_exceptions()
    info = common.print_machine()
    rows: list[dict[str, Any]] = []
    with contextlib.ExitStack() as exit_stack:
        stack = arrange.Stack(exit_stack, "growth")
        server = stack.helpline(db=args.db)
        ids = asyncio.run(_setup(server))
        db = Database(server, stack)
        have = 0
        for size in sorted(args.sizes):
            began = time.perf_counter()
            grow(db, ids, have, size)
            took = time.perf_counter() - began
            have = size
            figures = asyncio.run(measure(server, ids, size, args.samples))
            rows.append({"size": size, "generate_s": took, **figures})
            print(
                f"  {args.db} {size:>9,}: generated in {took:5.1f} s; p50 ms "
                + ", ".join(f"{p} {figures[f'{p}_p50']:.1f}" for p in PATHS),
                flush=True,
            )
    base = rows[0]
    headers = ["size", "generated in s"] + [f"{p} p50 / p99 ms" for p in PATHS]
    table_rows = [
        [r["size"], r["generate_s"]] + [f"{r[f'{p}_p50']:.1f} / {r[f'{p}_p99']:.1f}" for p in PATHS]
        for r in rows
    ]
    print(f"\ngrowth on {args.db}: N conversations + a conversation of N messages")
    print(common.table(headers, table_rows))
    ratios = {p: rows[-1][f"{p}_p50"] / base[f"{p}_p50"] for p in PATHS}
    print(
        f"p50 at {rows[-1]['size']:,} / p50 at {base['size']:,} (the baseline): "
        + ", ".join(f"{p} {r:.2f}x" for p, r in ratios.items())
    )
    common.save_results(f"growth_{args.db}", {"machine": info, "rows": rows, "ratios": ratios})
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
