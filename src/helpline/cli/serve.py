"""`helpline serve` and `helpline worker`."""

import asyncio
import contextlib
import signal
import socket
from collections.abc import Iterator

import structlog
import typer
import uvicorn
from starlette.datastructures import State
from typing_extensions import override

from helpline.app import create_app
from helpline.cli.common import load_settings
from helpline.core.context import Origin, set_origin
from helpline.core.runtime import create_runtime
from helpline.jobs.worker import Worker
from helpline.realtime.hub import Hub
from helpline.realtime.protocol import MAX_FRAME_BYTES

log = structlog.get_logger(__name__)
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def serve(
    host: str | None = typer.Option(None, help="Address to bind (default: HELPLINE_HOST)."),
    port: int | None = typer.Option(None, help="Port to bind (default: HELPLINE_PORT)."),
) -> None:
    """Serve the API (and, unless HELPLINE_RUN_JOBS_IN_WEB=false, run the jobs)."""
    settings = load_settings()
    if settings.environment == "production" and (problems := settings.check_production_ready()):
        for problem in problems:
            typer.secho(f"Error: {problem}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=host or settings.host,
        port=port or settings.port,
        ws="websockets-sansio",
        # Compression would multiply the memory of every socket (PERFORMANCE.md, lesson 1),
        # for frames that are small already.
        ws_per_message_deflate=False,
        ws_max_size=MAX_FRAME_BYTES,
        # Logging is ours (core.logging): uvicorn's lines go through the same renderer, and
        # the app logs every request itself, with its context (request_finished).
        log_config=None,
        log_level=settings.log_level.lower(),
        access_log=False,
        proxy_headers=False,
        timeout_graceful_shutdown=int(settings.shutdown_timeout.total_seconds()) or 1,
    )
    GracefulServer(config, app.state, settings.shutdown_timeout.total_seconds()).run()


class GracefulServer(uvicorn.Server):
    """uvicorn's server, stopping the Helpline way on SIGTERM or SIGINT (README, Operations):

    1. stop accepting connections, so that clients told to reconnect go to another node;
    2. close every socket with 1012 (service restart) once it has finished the frame it is
       handling and sent what it had queued (Hub.close_all), for up to the shutdown timeout;
    3. then uvicorn's own shutdown: in-flight requests finish (for up to the same timeout),
       and the app's lifespan ends, where the job worker lets running jobs finish;
    4. exit 0, where uvicorn would re-raise the signal (a stop asked for and done cleanly is
       a success to a process manager).
    """

    def __init__(self, config: uvicorn.Config, state: State, drain_timeout_s: float) -> None:
        super().__init__(config)
        self._state = state
        self._drain_timeout_s = drain_timeout_s

    @override
    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        hub: Hub | None = getattr(self._state, "hub", None)
        if hub is not None:
            left = await hub.close_all(self._drain_timeout_s)
            log.info("sockets_drained", left_open=left)
        await super().shutdown(sockets)

    @override
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        handlers = {sig: signal.signal(sig, self.handle_exit) for sig in _STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)


def worker(
    concurrency: int = typer.Option(
        None, help="Jobs run at once (default: HELPLINE_JOB_CONCURRENCY)."
    ),
) -> None:
    """Run background jobs until stopped (SIGINT or SIGTERM finish the running jobs first)."""
    settings = load_settings()
    if concurrency:
        settings = settings.model_copy(update={"job_concurrency": concurrency})

    async def run() -> None:
        set_origin(Origin(request_id="worker", ip="worker"))
        runtime = create_runtime(settings)
        # Jobs publish events too (a snoozed conversation waking up): a worker sends them
        # through the broker and receives nothing.
        await runtime.broker.start(lambda _channel, _data: None, lambda: None)
        job_worker = Worker(runtime, worker_id=f"{socket.gethostname()}:worker")
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, job_worker.request_stop)
        try:
            await job_worker.run()
        finally:
            await runtime.close()

    asyncio.run(run())
