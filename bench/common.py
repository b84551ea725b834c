"""What the benchmarks share: the machine, percentiles and tables, and the processes they start.

Every process a benchmark starts goes through `Processes` (or a server class built on it) inside
a `contextlib.ExitStack`, so it is stopped, and every temp directory removed, whether the run
ends normally, fails, or is interrupted (Ctrl-C, SIGTERM).
"""

import contextlib
import json
import math
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from typing_extensions import override

from helpline.operations import cluster_services
from helpline.operations.cluster_processes import Child, ProcessGroup

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
HELPLINE = str(VENV_BIN / "helpline")
# Where each benchmark may leave its figures for `python -m bench` to summarise.
RESULTS_ENV = "HELPLINE_BENCH_RESULTS"

# --- the machine ------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    mem = psutil.virtual_memory()
    cpu = platform.processor() or _cpu_model()
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem.total / 2**30, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def print_machine() -> dict[str, Any]:
    info = machine()
    print(
        f"machine: {info['cores']} cores ({info['cpu']}), {info['memory_gib']} GiB, "
        f"Python {info['python']}, Linux {info['kernel']}"
    )
    return info


# --- figures ------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted sequence (NaN when empty)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (readable in a terminal too, and pasted as is into docs)."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = [
        "| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in cells
    ]
    return "\n".join([line, rule, *body])


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def save_results(name: str, data: dict[str, Any]) -> None:
    """Leave the figures where `python -m bench` collects them (when it asked for them)."""
    directory = os.environ.get(RESULTS_ENV)
    if directory:
        Path(directory, f"{name}.json").write_text(json.dumps(data, indent=1, default=str))


# --- limits -----------------------------------------------------------------------------


def raise_fd_limit(wanted: int = 65536) -> int:
    """Raise RLIMIT_NOFILE as far as allowed; children started afterwards inherit it."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for target_hard in (max(hard, wanted), hard):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, target_hard), target_hard))
            break
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def interrupts_as_exceptions() -> None:
    """SIGTERM and SIGHUP end the run like Ctrl-C does, so that every cleanup runs."""

    def stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)


@contextlib.contextmanager
def temp_dir(stack: contextlib.ExitStack, prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=f"helpline-bench-{prefix}-"))
    stack.callback(shutil.rmtree, path, ignore_errors=True)
    yield path


def make_temp_dir(stack: contextlib.ExitStack, prefix: str) -> Path:
    return stack.enter_context(temp_dir(stack, prefix))


# --- processes --------------------------------------------------------------------------

# A benchmark's processes go through the same code as `helpline cluster`
# (helpline.operations.cluster_processes): one way to start and stop a cluster. The recipe
# stays the benchmark's (bench/arrange.py): its workspace is made between the migrations and
# the nodes, and the nodes run the jobs, as they did when the figures were first taken.
Managed = Child


class Processes(ProcessGroup):
    """Starts processes in their own session (a Ctrl-C reaches only us, and we stop them in
    order), each with its log file in `log_dir`, and stops every one on exit: SIGTERM, then
    SIGKILL after a grace period."""

    def __init__(self, stack: contextlib.ExitStack, log_dir: Path) -> None:
        super().__init__(log_dir=log_dir)
        stack.callback(self.stop_all)

    @override
    def start(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        cwd: Path | None = ROOT,
        *,
        user: str | None = None,
        stop_signal: int = signal.SIGTERM,
        grace_s: float = 10.0,
    ) -> Managed:
        return super().start(
            name, argv, env, cwd, user=user, stop_signal=stop_signal, grace_s=grace_s
        )


def run_checked(argv: Sequence[str], env: dict[str, str] | None = None, what: str = "") -> str:
    done = subprocess.run(
        list(argv), env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{what or argv[0]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def wait_http(url: str, managed: Managed, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if managed.popen.poll() is not None:
            raise RuntimeError(f"{managed.name} exited:\n{managed.log_tail()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{managed.name} did not answer {url} in {timeout_s:.0f} s")


# --- resource use of server processes ------------------------------------------------------


@dataclass
class Usage:
    cpu_s: float
    peak_rss_mib: float


class ResourceWatch:
    """Server CPU time (user + system) and peak RSS of some processes, between two marks.
    Peak RSS is sampled every 50 ms by a thread (VmHWM cannot be reset between steps). With
    `children`, the processes' children are followed as they come and go (PostgreSQL
    backends); a child that exits between two marks takes its CPU time with it."""

    def __init__(self, pids: Sequence[int], *, children: bool = False) -> None:
        self._roots = [psutil.Process(pid) for pid in pids]
        self._children = children
        self._known: dict[int, psutil.Process] = {}
        self._peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._cpu_at_mark: dict[int, float] = {}
        self._thread.start()

    def _procs(self) -> list[psutil.Process]:
        if not self._children:
            return self._roots
        current: dict[int, psutil.Process] = {}
        for root in self._roots:
            with contextlib.suppress(psutil.Error):
                for proc in [root, *root.children(recursive=True)]:
                    current[proc.pid] = self._known.get(proc.pid, proc)
        self._known = current
        return list(current.values())

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self._peak = max(self._peak, self.rss())

    def rss(self) -> int:
        total = 0
        for proc in self._procs():
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
        return total

    def cpu(self) -> float:
        return sum(self._cpu_by_pid().values())

    def _cpu_by_pid(self) -> dict[int, float]:
        out = {}
        for proc in self._procs():
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                out[proc.pid] = times.user + times.system
        return out

    def mark(self) -> None:
        self._cpu_at_mark = self._cpu_by_pid()
        self._peak = self.rss()

    def since_mark(self) -> Usage:
        # Per process, so that a child gone since the mark does not count negative.
        now = self._cpu_by_pid()
        cpu = sum(t - self._cpu_at_mark.get(pid, 0.0) for pid, t in now.items())
        return Usage(cpu, max(self._peak, self.rss()) / 2**20)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(1)


# --- throwaway database and Redis servers -------------------------------------------------
# Started by helpline.operations.cluster_services, as `helpline cluster` starts them.


def _find_pg_bin() -> Path:
    found = cluster_services.find_postgres_bin()
    if found is None:
        raise RuntimeError(
            "No PostgreSQL server binaries (initdb, postgres, psql): "
            f"{cluster_services.INSTALL_HINT}"
        )
    return found


@dataclass
class Postgres:
    url: str
    port: int
    data_dir: Path
    pid: int = 0
    extra: dict[str, str] = field(default_factory=dict)


def start_postgres(
    stack: contextlib.ExitStack, work: Path, *, durable: bool = True, database: str = "helpline"
) -> Postgres:
    """A throwaway cluster on loopback (the approach of scripts/test.sh). `durable` keeps the
    production defaults (fsync, synchronous_commit on): a benchmark must pay for commits.
    Stopped (fast shutdown) when `stack` closes; its log is `work`/postgres.log."""
    processes = ProcessGroup(log_dir=work)
    stack.callback(processes.stop_all)
    server = cluster_services.start_postgres(
        processes,
        work,
        bin_dir=_find_pg_bin(),
        durable=durable,
        database=database,
        settings={"shared_buffers": "256MB"},
    )
    return Postgres(server.url, server.port, server.data_dir, server.pid)


def start_redis(processes: Processes, work: Path) -> str:
    """Redis on loopback without persistence, stopped with `processes`."""
    return cluster_services.start_redis(processes, work).url
