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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

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


@dataclass
class Managed:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


class Processes:
    """Starts processes in their own session (a Ctrl-C reaches only us, and we stop them in
    order), and stops every one on exit: SIGTERM, then SIGKILL after a grace period."""

    def __init__(self, stack: contextlib.ExitStack, log_dir: Path) -> None:
        self._started: list[Managed] = []
        self._log_dir = log_dir
        stack.callback(self.stop_all)

    def start(
        self, name: str, argv: Sequence[str], env: dict[str, str] | None = None, cwd: Path = ROOT
    ) -> Managed:
        log_path = self._log_dir / f"{name}.log"
        with log_path.open("wb") as log:
            popen = subprocess.Popen(
                list(argv),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=cwd,
                start_new_session=True,
            )
        managed = Managed(name, popen, log_path)
        self._started.append(managed)
        return managed

    def stop(self, managed: Managed, grace_s: float = 10.0) -> None:
        if managed.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                managed.popen.send_signal(signal.SIGTERM)
            try:
                managed.popen.wait(grace_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    managed.popen.kill()
                managed.popen.wait(5)
        if managed in self._started:
            self._started.remove(managed)

    def stop_all(self) -> None:
        for managed in reversed(list(self._started)):
            self.stop(managed)


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


def _find_pg_bin() -> Path:
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for candidate in candidates:
        if (candidate / "pg_ctl").exists() and (candidate / "initdb").exists():
            return candidate
    raise RuntimeError("No PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql")


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
    production defaults (fsync, synchronous_commit on): a benchmark must pay for commits."""
    pg_bin = _find_pg_bin()
    pg_dir = work / "pg"
    pg_dir.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:
        # initdb and postgres refuse to run as root.
        work.chmod(0o711)
        shutil.chown(pg_dir, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    data = pg_dir / "data"
    run_checked(
        [*as_user, str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
        + ["-E", "UTF8", "--no-locale", "--no-sync"],
        what="initdb",
    )
    conf = [
        "listen_addresses = '127.0.0.1'",
        f"port = {port}",
        f"unix_socket_directories = '{pg_dir}'",
        "max_connections = 200",
        "shared_buffers = 256MB",
    ]
    if not durable:
        conf += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
    with (data / "postgresql.conf").open("a") as f:
        f.write("\n# --- bench ---\n" + "\n".join(conf) + "\n")
    pg_ctl = [*as_user, str(pg_bin / "pg_ctl"), "-D", str(data)]
    log = pg_dir / "server.log"

    def stop() -> None:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [*pg_ctl, "-m", "fast", "-w", "-t", "30", "stop"], capture_output=True, check=False
            )

    stack.callback(stop)
    run_checked([*pg_ctl, "-l", str(log), "-w", "-t", "60", "start"], what="pg_ctl start")
    psql = str(pg_bin / "psql") if (pg_bin / "psql").exists() else "psql"
    run_checked(
        [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(port)]
        + ["-U", "postgres", "-d", "postgres", "-c", "CREATE ROLE helpline LOGIN CREATEDB"]
        + ["-c", f"CREATE DATABASE {database} OWNER helpline"],
        what="psql",
    )
    pid = int((data / "postmaster.pid").read_text().split()[0])
    return Postgres(f"postgresql+asyncpg://helpline@127.0.0.1:{port}/{database}", port, data, pid)


def start_redis(processes: Processes, work: Path) -> str:
    redis_dir = work / "redis"
    redis_dir.mkdir()
    port = free_port()
    server = processes.start(
        "redis",
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
        + ["--appendonly", "no", "--daemonize", "no", "--dir", str(redis_dir)],
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2) as s:
            s.sendall(b"PING\r\n")
            if s.recv(16).startswith(b"+PONG"):
                return f"redis://127.0.0.1:{port}/0"
        if server.popen.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"Redis did not start:\n{server.log_tail()}")
