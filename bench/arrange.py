"""Setting up a real Helpline for a benchmark, the way an operator and a website would: the CLI
migrates and creates the workspace and its members, `helpline serve` runs as a subprocess, and
the REST API logs agents in, allows the widget's origin and starts visitor sessions.

`Stack` also starts the throwaway PostgreSQL and Redis a configuration needs, and the bare
relay; everything it starts is stopped by the ExitStack it is given.
"""

import asyncio
import contextlib
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench import common

ORIGIN = "https://shop.bench.example"
PASSWORD = "bench-password-not-secret"  # noqa: S105 (a throwaway loopback server)
SLUG = "bench"
# A `src` directory to run Helpline from instead of the installed one (the working tree).
SOURCE_ENV = "HELPLINE_BENCH_SRC"
SQLTRACE_ENV = "HELPLINE_BENCH_SQLTRACE"

# Limits that would throttle a load test; everything else keeps its production default.
BENCH_ENV = {
    "HELPLINE_ENVIRONMENT": "development",
    "HELPLINE_LOG_LEVEL": "WARNING",
    "HELPLINE_WIDGET_MESSAGE_LIMIT_PER_VISITOR": "100000000",
    "HELPLINE_WIDGET_SESSION_LIMIT_PER_IP": "100000000",
    "HELPLINE_WIDGET_SESSION_LIMIT_PER_WORKSPACE": "100000000",
    "HELPLINE_LOGIN_LIMIT_PER_IP": "100000",
    "HELPLINE_LOGIN_LIMIT_PER_ACCOUNT": "100000",
    # Cheap password hashing: logins happen once, in setup, and are not measured.
    "HELPLINE_ARGON2_TIME_COST": "1",
    "HELPLINE_ARGON2_MEMORY_KIB": "8192",
}


@dataclass
class Agent:
    email: str
    token: str = ""


@dataclass
class Visitor:
    token: str
    conversation_id: str = ""


@dataclass
class Helpline:
    """One or more `helpline serve` nodes on one database."""

    urls: list[str]
    pids: list[int]
    env: dict[str, str]
    db: str
    public_key: str = ""
    agents: list[Agent] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.urls[0]

    def ws(self, node: int) -> str:
        return self.urls[node % len(self.urls)].replace("http://", "ws://")


class Stack:
    def __init__(self, stack: contextlib.ExitStack, name: str) -> None:
        self.stack = stack
        self.work = common.make_temp_dir(stack, name)
        self.logs = self.work / "logs"
        self.logs.mkdir()
        self.processes = common.Processes(stack, self.logs)
        self.postgres: common.Postgres | None = None

    def relay(self) -> tuple[str, int]:
        port = common.free_port()
        managed = self.processes.start(
            "relay", [sys.executable, "-m", "bench.bare_relay", "--port", str(port)]
        )
        url = f"http://127.0.0.1:{port}"
        common.wait_http(f"{url}/health", managed)
        return url, managed.pid

    def helpline(
        self, *, db: str, nodes: int = 1, agents: int = 1, extra_env: dict[str, str] | None = None
    ) -> Helpline:
        env = {**os.environ, **BENCH_ENV, **(extra_env or {})}
        if source := os.environ.get(SOURCE_ENV):
            # Benchmark another tree (say, `git archive` of a commit) with this venv.
            env["PYTHONPATH"] = str(Path(source).resolve())
        if os.environ.get(SQLTRACE_ENV):
            # Count the SQL statements each server runs (bench/sqltrace).
            tracer = str(Path(__file__).parent / "sqltrace")
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [tracer, env.get("PYTHONPATH")]))
        env["HELPLINE_DATA_DIR"] = str(self.work / "data")
        if db == "postgres":
            self.postgres = common.start_postgres(self.stack, self.work)
            env["HELPLINE_DATABASE_URL"] = self.postgres.url
        elif db != "sqlite":
            raise ValueError(f"unknown database {db!r}")
        if nodes > 1:
            env["HELPLINE_REDIS_URL"] = common.start_redis(self.processes, self.work)
        common.run_checked([common.HELPLINE, "db", "upgrade"], env, "helpline db upgrade")
        out = common.run_checked(
            [common.HELPLINE, "workspace", "create", "Bench", "--slug", SLUG]
            + ["--owner-email", "owner@bench.example", "--owner-name", "Owner"]
            + ["--owner-password", PASSWORD],
            env,
            "helpline workspace create",
        )
        match = re.search(r"widget key (\S+?);", out)
        if match is None:
            raise RuntimeError(f"no widget key in: {out}")
        members = [Agent("owner@bench.example")]
        for i in range(1, agents):
            # Admins, like the owner, see every conversation of the workspace.
            email = f"admin{i}@bench.example"
            common.run_checked(
                [common.HELPLINE, "user", "create", email, "--name", f"Admin {i}"]
                + ["--password", PASSWORD, "--workspace", SLUG, "--role", "admin"],
                env,
                "helpline user create",
            )
            members.append(Agent(email))
        urls, pids = [], []
        for node in range(nodes):
            port = common.free_port()
            node_env = {**env, "HELPLINE_PORT": str(port)}
            node_env["HELPLINE_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
            managed = self.processes.start(
                f"helpline-{node}",
                [common.HELPLINE, "serve", "--host", "127.0.0.1", "--port", str(port)],
                node_env,
            )
            url = f"http://127.0.0.1:{port}"
            common.wait_http(f"{url}/api/v1/health", managed)
            urls.append(url)
            pids.append(managed.pid)
        server = Helpline(urls, pids, env, db, match.group(1), members)
        asyncio.run(_log_in_and_allow_origin(server))
        return server


async def _log_in_and_allow_origin(server: Helpline) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        for agent in server.agents:
            login = await http.post(
                "/api/v1/auth/login", json={"email": agent.email, "password": PASSWORD}
            )
            login.raise_for_status()
            agent.token = login.json()["access_token"]
        owner = {"Authorization": f"Bearer {server.agents[0].token}"}
        patched = await http.patch(
            "/api/v1/workspace", headers=owner, json={"settings": {"widget_origins": [ORIGIN]}}
        )
        patched.raise_for_status()


async def visitor_sessions(
    server: Helpline, count: int, *, with_conversation: bool, concurrency: int = 16
) -> list[Visitor]:
    """`count` visitors, each with a session (and a conversation when asked), over REST."""
    visitors: list[Visitor | None] = [None] * count
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as http:

        async def one(i: int) -> None:
            started = await http.post(
                "/api/v1/widget/sessions",
                headers={"Origin": ORIGIN},
                json={"public_key": server.public_key},
            )
            started.raise_for_status()
            visitor = Visitor(started.json()["token"])
            if with_conversation:
                created = await http.post(
                    "/api/v1/widget/conversations",
                    headers={"Authorization": f"Bearer {visitor.token}"},
                    json={"subject": f"Bench {i}"},
                )
                created.raise_for_status()
                visitor.conversation_id = created.json()["id"]
            visitors[i] = visitor

        queue = iter(range(count))

        async def worker() -> None:
            for i in queue:
                await one(i)

        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker())
    return [v for v in visitors if v is not None]


def server_log_tail(stack: Stack, name: str) -> str:
    path = Path(stack.logs, f"{name}.log")
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-20:])
    return ""
