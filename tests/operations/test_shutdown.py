"""Graceful shutdown of a real `helpline serve`: SIGTERM closes every socket with 1012
(service restart: reconnect and resume), lets the running job finish, and exits 0."""

import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from websockets.asyncio.client import connect

from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.jobs import queue
from helpline.jobs.models import JobStatus
from helpline.realtime.protocol import CloseCode
from helpline.tenancy.models import Role
from tests.fixtures.jobs import RecordArgs, effects, eventually, get_job
from tests.fixtures.live import FRAME_TIMEOUT_S, Observer, subprotocols
from tests.fixtures.processes import Node, serve_nodes
from tests.fixtures.world import World
from tests.operations.nodes import serve_env

# The job is still running when the signal comes; the process must wait for it.
JOB_SECONDS = 1.5
STOP_TIMEOUT_S = 15.0


@asynccontextmanager
async def socket_on(node: Node, path: str, token: str) -> AsyncIterator[Observer]:
    ws = await connect(
        f"{node.ws_url}{path}",
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


async def test_sigterm_drains_sockets_and_finishes_jobs(
    runtime: Runtime, world: World, tmp_path: Path
) -> None:
    env = serve_env(runtime, tmp_path / "data")
    async with (
        serve_nodes({"node": env}, tmp_path) as [node],
        socket_on(node, "/ws/agent", world.a.member(Role.agent).access_token) as agent,
        socket_on(node, "/ws/widget", world.a.visitor_token) as visitor,
    ):
        async with unit_of_work(runtime.sessionmaker) as session:
            job = queue.enqueue(
                session, "tests.record_run", RecordArgs(key="slow", sleep_s=JOB_SECONDS)
            )

        async def job_running() -> bool:
            return (await get_job(runtime, job.id)).status == JobStatus.running

        await eventually(job_running, what=f"the job to start; see {node.log_path}")
        # A frame answered just before the stop is answered before the close.
        await agent.send({"type": "ping", "ref": "last"})
        await agent.wait_for(lambda f: f["type"] == "pong")
        node.process.send_signal(signal.SIGTERM)
        for socket in (agent, visitor):
            assert await socket.wait_closed() == CloseCode.SERVICE_RESTART
            # Closed by the app's drain, not cut by uvicorn's own shutdown (which gives no
            # reason): the socket sent all it owed first.
            assert socket.ws.close_reason == "The server is restarting: reconnect."
        with anyio.fail_after(STOP_TIMEOUT_S):
            returncode = await node.process.wait()
        assert returncode == 0, node.log_tail()
    # The running job was not cut short: it finished and its effect committed once.
    assert (await get_job(runtime, job.id)).status == JobStatus.succeeded
    assert await effects(runtime) == ["slow"]
    log = node.log_path.read_text()
    assert "sockets_drained" in log
    assert "worker_stopped" in log
