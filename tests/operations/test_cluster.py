"""`helpline cluster`: a real PostgreSQL, Redis, two `helpline serve` nodes and a worker, started
through the same code as the command (helpline.operations.cluster), on free loopback ports."""

import asyncio
import contextlib
import io
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from typer.testing import CliRunner
from websockets.asyncio.client import connect

from helpline.cli import app
from helpline.cli.demo import DEMO_LOGINS
from helpline.operations.cluster import ClusterAddresses, ClusterOptions, LocalCluster
from helpline.operations.cluster_processes import ClusterError, ProcessGroup, wait_until
from helpline.operations.cluster_services import INSTALL_HINT, require_binaries
from helpline.settings import get_settings
from helpline.tenancy.models import Role
from tests.fixtures.live import FRAME_TIMEOUT_S, Observer, subprotocols

# Cheap password hashing: the demo's logins and the CLI's owner are hashed in the cluster.
CHEAP_HASHING = {"HELPLINE_ARGON2_TIME_COST": "1", "HELPLINE_ARGON2_MEMORY_KIB": "1024"}
PASSWORD = "cluster-test-password"


def _free_consecutive_ports(count: int) -> int:
    """The first of `count` consecutive loopback ports free right now."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first: int = probe.getsockname()[1]
        if first + count > 65535:
            continue
        with contextlib.ExitStack() as held:
            try:
                for port in range(first, first + count):
                    sock = held.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return first
    raise AssertionError("no consecutive free ports")


def _port_is_free(port: int | None) -> bool:
    assert port is not None
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[LocalCluster]:
    options = ClusterOptions(port=_free_consecutive_ports(2), demo=True, env=CHEAP_HASHING)
    logs = tmp_path / "logs"
    logs.mkdir()
    local = LocalCluster(options, log_dir=logs)
    try:
        yield local
    finally:
        local.stop()


@contextlib.asynccontextmanager
async def agent_socket(node: str, token: str) -> AsyncIterator[Observer]:
    ws = await connect(
        node.replace("http://", "ws://") + "/ws/agent",
        subprotocols=subprotocols(token),  # type: ignore[arg-type]
        compression=None,
        open_timeout=FRAME_TIMEOUT_S,
    )
    observer = Observer(ws)
    observer.start()
    try:
        await observer.wait_for(lambda f: f["type"] == "ready")
        yield observer
    finally:
        await observer.close()


async def log_in(http: httpx.AsyncClient, node: str, email: str, password: str) -> str:
    response = await http.post(
        f"{node}/api/v1/auth/login", json={"email": email, "password": password}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def create_workspace_with_the_cli(addresses: ClusterAddresses) -> None:
    """`helpline workspace create` in its own process, configured like the printed exports."""
    env = {**os.environ, **addresses.environment, **CHEAP_HASHING}
    done = subprocess.run(
        [
            *(sys.executable, "-m", "helpline", "workspace", "create", "Second"),
            *("--slug", "second", "--owner-email", "second@example.com"),
            *("--owner-name", "Second Owner", "--owner-password", PASSWORD),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.server_database
async def test_two_nodes_share_the_database_and_redis_then_stop(cluster: LocalCluster) -> None:
    addresses = await asyncio.to_thread(cluster.start)
    first, second = addresses.nodes
    names = {child.name for child in cluster.processes}
    assert names == {"postgres", "redis", "node1", "node2", "worker"}
    children = cluster.processes
    urls = [*addresses.nodes, addresses.postgres_url, addresses.redis_url]
    ports = [urlsplit(url).port for url in urls]

    async with httpx.AsyncClient(timeout=FRAME_TIMEOUT_S) as http:
        for node in addresses.nodes:
            ready = (await http.get(f"{node}/api/v1/ready")).json()
            assert ready["checks"]["database"]["status"] == "ok", ready
            assert ready["checks"]["redis"]["status"] == "ok", ready

        # A workspace made by the CLI on the cluster's database: its owner logs in on either
        # node, and a token node 1 issued works on node 2 (one database, one secret key).
        await asyncio.to_thread(create_workspace_with_the_cli, addresses)
        token = await log_in(http, first, "second@example.com", PASSWORD)
        workspace = await http.get(
            f"{second}/api/v1/workspace", headers={"Authorization": f"Bearer {token}"}
        )
        assert workspace.status_code == 200, workspace.text
        assert workspace.json()["slug"] == "second"

        # The demo workspace, made by --demo: a visitor writes on node 1, its agent, whose
        # socket is on node 2, hears it through Redis.
        owner = next(login for login in DEMO_LOGINS if login.role is Role.owner)
        owner_token = await log_in(http, second, owner.email, owner.password)
        demo = await http.get(
            f"{first}/api/v1/workspace", headers={"Authorization": f"Bearer {owner_token}"}
        )
        # The demo allows the widget on the public URL's origin: node 1.
        started = await http.post(
            f"{first}/api/v1/widget/sessions",
            headers={"Origin": first},
            json={"public_key": demo.json()["public_key"]},
        )
        assert started.status_code in (200, 201), started.text
        visitor = {"Authorization": f"Bearer {started.json()['token']}"}
        conversation = await http.post(
            f"{first}/api/v1/widget/conversations", headers=visitor, json={"subject": "Hello"}
        )
        assert conversation.status_code == 201, conversation.text
        async with agent_socket(second, owner_token) as agent:
            sent = await http.post(
                f"{first}/api/v1/widget/conversations/{conversation.json()['id']}/messages",
                headers=visitor,
                json={"body": "Across the cluster", "client_message_id": "c1"},
            )
            assert sent.status_code == 201, sent.text
            frame = await agent.wait_for(
                lambda f: (
                    f["type"] == "message.created" and f["message"]["body"] == "Across the cluster"
                )
            )
            assert frame["message"]["id"] == sent.json()["id"]

    work = addresses.data_dir
    await asyncio.to_thread(cluster.stop)
    assert all(child.popen.returncode is not None for child in children)
    # Nodes and the worker exit 0 on SIGTERM: they stopped gracefully, not killed.
    assert {
        c.name: c.popen.returncode for c in children if c.name.startswith(("node", "worker"))
    } == {
        "node1": 0,
        "node2": 0,
        "worker": 0,
    }
    assert cluster.processes == []
    assert all(_port_is_free(port) for port in ports), ports
    assert not work.exists()


def test_a_taken_port_is_named(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        local = LocalCluster(ClusterOptions(port=port, data_dir=tmp_path), log_dir=tmp_path)
        with pytest.raises(ClusterError, match=rf"Port {port} on 127.0.0.1 \(node1\) is already"):
            local.start()
    assert local.processes == []


def test_missing_binaries_say_what_to_install(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    with pytest.raises(ClusterError) as raised:
        require_binaries(search_path=str(empty), roots=(tmp_path,))
    message = str(raised.value)
    assert "PostgreSQL's server binaries" in message
    assert "redis-server" in message
    assert message.endswith(f"Install them with: {INSTALL_HINT}")
    assert INSTALL_HINT == "apt-get install postgresql redis-server"


def test_the_command_reports_a_missing_redis(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    get_settings.cache_clear()
    # PostgreSQL is still found in /usr/lib/postgresql; nothing on PATH.
    result = CliRunner().invoke(app, ["cluster", "--port", "1"], env={"PATH": str(empty)})
    get_settings.cache_clear()
    assert result.exit_code == 1, result.output
    assert "Error: Missing redis-server (not on PATH)." in result.output
    assert INSTALL_HINT in result.output


# A child that says it is ready, and on SIGTERM writes its name to a file and exits.
_CHILD = """
import signal, sys, time
name, record = sys.argv[1], sys.argv[2]
def stop(signum, frame):
    with open(record, "a") as f:
        f.write(name + "\\n")
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("ready", flush=True)
while True:
    time.sleep(1)
"""


def test_output_is_prefixed_and_children_stop_in_reverse_order(tmp_path: Path) -> None:
    output = io.StringIO()
    group = ProcessGroup(output=output)
    record = tmp_path / "stopped"
    children = [
        group.start(name, [sys.executable, "-c", _CHILD, name, str(record)])
        for name in ("postgres", "node1")
    ]
    for child in children:
        wait_until(lambda c=child: "ready" in c.tail, what="ready", timeout_s=30, child=child)
    group.stop_all()
    assert record.read_text().split() == ["node1", "postgres"]
    assert [child.popen.returncode for child in children] == [0, 0]
    lines = output.getvalue().splitlines()
    assert sorted(lines) == ["node1    | ready", "postgres | ready"]
