"""`helpline serve` and `helpline worker`."""

import asyncio
import signal
import socket

import typer
import uvicorn

from helpline.app import create_app
from helpline.cli.common import load_settings
from helpline.core.context import Origin, set_origin
from helpline.core.runtime import create_runtime
from helpline.jobs.worker import Worker
from helpline.realtime.protocol import MAX_FRAME_BYTES


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
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        ws="websockets-sansio",
        # Compression would multiply the memory of every socket (PERFORMANCE.md, lesson 1),
        # for frames that are small already.
        ws_per_message_deflate=False,
        ws_max_size=MAX_FRAME_BYTES,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
    )


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
