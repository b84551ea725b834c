"""A whole Helpline cluster on one machine, for development and tests (`helpline cluster`):
a throwaway PostgreSQL and Redis on loopback, the migrations (and the demo workspace when
asked), then `helpline serve` nodes on consecutive ports, sharing the database and Redis, with
jobs left to one `helpline worker`. It is the scale-out layout of the README, minus the load
balancer: any node serves any client.

`LocalCluster.start()` returns once every node answers its readiness probe; `stop()` stops
everything in reverse order (worker and nodes gracefully, then Redis, then PostgreSQL) and
removes the data directory when it was a temp directory and `keep` is off.
"""

import functools
import shutil
import sys
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import httpx

from helpline.operations.cluster_processes import (
    Child,
    ClusterError,
    ProcessGroup,
    wait_until,
)
from helpline.operations.cluster_services import (
    require_binaries,
    require_free_port,
    start_postgres,
    start_redis,
)

READY_PATH = "/api/v1/ready"
# What another `helpline` command needs to work on the cluster's data.
_SHARED_SETTINGS = ("HELPLINE_DATABASE_URL", "HELPLINE_REDIS_URL", "HELPLINE_DATA_DIR")


@dataclass(frozen=True)
class ClusterOptions:
    port: int = 8000  # node N listens on port + N - 1
    nodes: int = 2
    host: str = "127.0.0.1"
    # Where PostgreSQL's cluster, Redis's directory and uploaded files live. None: a temp
    # directory. A directory that holds a cluster from an earlier run is started again.
    data_dir: Path | None = None
    keep: bool = False  # keep the temp directory at the end
    demo: bool = False  # create the demo workspace and its logins, as `helpline demo` does
    postgres_port: int = 0  # 0: any free port
    redis_port: int = 0
    ready_timeout_s: float = 120.0
    # More environment for the nodes, the worker and the one-off commands.
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass
class ClusterAddresses:
    nodes: list[str]
    postgres_url: str
    redis_url: str
    data_dir: Path
    # What another `helpline` command needs to work on this cluster (`helpline user create`).
    environment: dict[str, str]


class LocalCluster:
    """Give `output` to see every process's lines prefixed by its name (the default: standard
    output), or `log_dir` for a NAME.log file per process."""

    def __init__(
        self, options: ClusterOptions, *, output: TextIO | None = None, log_dir: Path | None = None
    ) -> None:
        if options.nodes < 1:
            raise ClusterError("A cluster needs at least one node")
        self.options = options
        self._output = output if output is not None or log_dir is not None else sys.stdout
        self._log_dir = log_dir
        self._cancelled = threading.Event()
        self._processes: ProcessGroup | None = None
        self._work: Path | None = None
        self._temporary = False
        self.addresses: ClusterAddresses | None = None

    @property
    def processes(self) -> list[Child]:
        return self._processes.children if self._processes is not None else []

    @property
    def work_dir(self) -> Path | None:
        return self._work

    def start(self) -> ClusterAddresses:
        """Start everything; on any failure (or `cancel()`), stop what had started and raise."""
        try:
            self.addresses = self._start()
        except BaseException:
            self.stop()
            raise
        return self.addresses

    def cancel(self) -> None:
        """Called from a signal handler: abandon a start in progress; once stopping, stop
        without waiting for graceful exits."""
        if self._cancelled.is_set() and self._processes is not None:
            self._processes.hurry()
        self._cancelled.set()

    def exited(self) -> Child | None:
        """A process that exited on its own while the cluster runs."""
        return self._processes.exited() if self._processes is not None else None

    def stop(self) -> None:
        if self._processes is not None:
            self._processes.stop_all()
        if self._work is not None and self._temporary and not self.options.keep:
            shutil.rmtree(self._work, ignore_errors=True)

    def _start(self) -> ClusterAddresses:
        o = self.options
        postgres_bin, redis_server = require_binaries()
        ports = [o.port + i for i in range(o.nodes)]
        for number, port in enumerate(ports, start=1):
            require_free_port(
                o.host, port, f"node{number}", "stop what uses it, or pick other ports with --port"
            )
        if o.postgres_port:
            require_free_port(
                o.host, o.postgres_port, "PostgreSQL", "pick another with --postgres-port"
            )
        if o.redis_port:
            require_free_port(o.host, o.redis_port, "Redis", "pick another with --redis-port")

        if o.data_dir is not None:
            self._work = o.data_dir.resolve()
            self._work.mkdir(parents=True, exist_ok=True)
        else:
            self._work = Path(tempfile.mkdtemp(prefix="helpline-cluster-"))
            self._temporary = True
        if self._log_dir is not None:
            self._processes = ProcessGroup(log_dir=self._log_dir)
        else:
            self._processes = ProcessGroup(output=self._output)
        processes, work, cancelled = self._processes, self._work, self._cancelled.is_set

        postgres = start_postgres(
            processes,
            work,
            bin_dir=postgres_bin,
            host=o.host,
            port=o.postgres_port,
            cancelled=cancelled,
        )
        redis = start_redis(
            processes,
            work,
            server=redis_server,
            host=o.host,
            port=o.redis_port,
            cancelled=cancelled,
        )
        urls = [f"http://{o.host}:{port}" for port in ports]
        env = self._environment(postgres.url, redis.url, urls[0], work)
        helpline = [sys.executable, "-m", "helpline"]
        processes.run("migrate", [*helpline, "db", "upgrade"], env=env, cancelled=cancelled)
        if o.demo:
            processes.run(
                "demo",
                [*helpline, "demo", "--no-serve", "--page-port", "0"],
                env={**env, "HELPLINE_PORT": str(ports[0])},
                cancelled=cancelled,
            )
        nodes = [
            processes.start(
                f"node{number}",
                [*helpline, "serve", "--host", o.host, "--port", str(port)],
                env={**env, "HELPLINE_PORT": str(port)},
                # `helpline serve` drains sockets, then requests, each for up to
                # HELPLINE_SHUTDOWN_TIMEOUT (10 s by default).
                grace_s=30.0,
            )
            for number, port in enumerate(ports, start=1)
        ]
        worker = processes.start("worker", [*helpline, "worker"], env=env, grace_s=30.0)
        for node, url in zip(nodes, urls, strict=True):
            wait_until(
                functools.partial(_is_ready, url),
                what=f"{node.name} answering {url}{READY_PATH}",
                timeout_s=o.ready_timeout_s,
                child=node,
                cancelled=cancelled,
                interval_s=0.2,
            )
        if not worker.running():
            raise ClusterError(
                f"worker exited (status {worker.popen.returncode}):\n{worker.log_tail()}"
            )
        shared = {key: env[key] for key in _SHARED_SETTINGS}
        return ClusterAddresses(urls, postgres.url, redis.url, work, shared)

    def _environment(
        self, database_url: str, redis_url: str, first_node: str, work: Path
    ) -> dict[str, str]:
        # Links in emails and the demo's widget origin point at node 1, as they would at
        # the load balancer in front of a real cluster.
        env = {"HELPLINE_PUBLIC_URL": first_node, **self.options.env}
        env.update(
            {
                "HELPLINE_DATABASE_URL": database_url,
                "HELPLINE_REDIS_URL": redis_url,
                # Jobs run in the worker, as in the README's scale-out layout.
                "HELPLINE_RUN_JOBS_IN_WEB": "false",
                # Uploaded files, shared by the nodes like a shared volume would be.
                "HELPLINE_DATA_DIR": str(work / "files"),
                "HELPLINE_HOST": self.options.host,
                # Lines reach the prefixed output as they are written.
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env


def _is_ready(url: str) -> bool:
    try:
        return httpx.get(url + READY_PATH, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False
