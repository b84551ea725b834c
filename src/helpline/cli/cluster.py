"""`helpline cluster`: two nodes, a worker, PostgreSQL and Redis on this machine, until Ctrl-C."""

import signal
import threading
from pathlib import Path
from types import FrameType

import typer

from helpline.operations.cluster import ClusterAddresses, ClusterOptions, LocalCluster
from helpline.operations.cluster_processes import ClusterError

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# How often the running cluster is checked for a process that died.
_WATCH_INTERVAL_S = 0.5


def cluster(
    port: int = typer.Option(8000, help="Port of node 1; node N listens on PORT + N - 1."),
    nodes: int = typer.Option(2, min=1, max=16, help="How many `helpline serve` nodes."),
    data_dir: Path | None = typer.Option(
        None,
        help="Where PostgreSQL, Redis and uploaded files keep their data, kept afterwards and "
        "started again by the next run (default: a temp directory, removed at the end).",
    ),
    keep: bool = typer.Option(False, "--keep", help="Keep the temp directory at the end."),
    demo: bool = typer.Option(
        False, "--demo", help="Create the demo workspace and its logins, as `helpline demo`."
    ),
    postgres_port: int = typer.Option(0, help="PostgreSQL's port (default: any free port)."),
    redis_port: int = typer.Option(0, help="Redis's port (default: any free port)."),
) -> None:
    """Run a development cluster on 127.0.0.1: PostgreSQL, Redis, NODES `helpline serve` nodes
    sharing them (jobs off in the web) and one `helpline worker`. Ctrl-C stops everything."""
    options = ClusterOptions(
        port=port,
        nodes=nodes,
        data_dir=data_dir,
        keep=keep,
        demo=demo,
        postgres_port=postgres_port,
        redis_port=redis_port,
    )
    local = LocalCluster(options)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            typer.echo("Stopping without waiting for graceful exits...", err=True)
        else:
            typer.echo(f"\n{signal.Signals(signum).name}: stopping the cluster...", err=True)
        stop.set()
        local.cancel()

    previous = {signum: signal.signal(signum, on_signal) for signum in _STOP_SIGNALS}
    failed = False
    try:
        addresses = local.start()
        _print_addresses(addresses, local)
        while not stop.wait(_WATCH_INTERVAL_S):
            if (dead := local.exited()) is not None:
                typer.secho(
                    f"Error: {dead.name} exited (status {dead.popen.returncode}); "
                    "stopping the cluster.",
                    fg=typer.colors.RED,
                    err=True,
                )
                failed = True
                break
    except ClusterError as error:
        if not stop.is_set():
            typer.secho(f"Error: {error}", fg=typer.colors.RED, err=True)
            failed = True
    finally:
        local.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    _print_stopped(local)
    if failed:
        raise typer.Exit(1)


def _print_addresses(addresses: ClusterAddresses, local: LocalCluster) -> None:
    lines = ["", "Helpline cluster ready:"]
    for number, url in enumerate(addresses.nodes, start=1):
        lines.append(f"  node{number:<9} {url}  (dashboard {url}/login)")
    worker = next((child for child in local.processes if child.name == "worker"), None)
    if worker is not None:
        lines.append(f"  worker        pid {worker.pid}")
    lines.append(f"  PostgreSQL    {addresses.postgres_url}")
    lines.append(f"  Redis         {addresses.redis_url}")
    temporary = local.options.data_dir is None and not local.options.keep
    fate = "removed on exit; --keep keeps it" if temporary else "kept"
    lines.append(f"  data          {addresses.data_dir}  ({fate})")
    lines.append("Other commands work on this cluster with:")
    exports = " ".join(f"{key}={value}" for key, value in addresses.environment.items())
    lines.append(f"  export {exports}")
    lines.append("Ctrl-C stops everything.\n")
    typer.echo("\n".join(lines))


def _print_stopped(local: LocalCluster) -> None:
    where = local.work_dir
    if where is None:
        return
    if local.options.data_dir is not None or local.options.keep:
        typer.echo(f"Cluster stopped; its data is in {where}", err=True)
    else:
        typer.echo("Cluster stopped; its temp directory is removed.", err=True)
