"""The processes of a local cluster (`helpline cluster`, the multi-node benchmark): started in
order, each in its own session, and stopped in reverse order.

Each child runs in a session of its own, so a Ctrl-C in the terminal reaches only the parent,
which then stops the children one by one: what depends on a server stops before the server
(nodes and worker before Redis and PostgreSQL). A child's output goes either to a log file of
its own (benchmarks: no thread copies lines while the load is measured) or to one stream with
every line prefixed by the child's name ("node1    | ..."), as a developer reads it.
"""

import collections
import contextlib
import os
import pwd
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TextIO

# The last lines of a child's output kept in memory, to explain why it failed.
_TAIL_LINES = 40
_NAME_WIDTH = 8


class ClusterError(Exception):
    """Something the person starting the cluster can fix; the message says what."""


@dataclass
class Child:
    """A process the group started and will stop."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path | None
    stop_signal: int
    grace_s: float
    tail: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=50))
    pump: threading.Thread | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is not None:
            with contextlib.suppress(OSError):
                text = self.log_path.read_text(errors="replace")
                return "\n".join(text.splitlines()[-lines:])
            return ""
        return "\n".join(list(self.tail)[-lines:])


class ProcessGroup:
    """Starts children and stops them, last started first. Give `log_dir` (a `NAME.log` file per
    child) or `output` (one stream, lines prefixed by the child's name)."""

    def __init__(self, *, log_dir: Path | None = None, output: TextIO | None = None) -> None:
        if (log_dir is None) == (output is None):
            raise ValueError("give exactly one of log_dir and output")
        self._log_dir = log_dir
        self._output = output
        self._write_lock = threading.Lock()
        self._children: list[Child] = []
        # Set by a second Ctrl-C: stop without waiting for graceful exits.
        self._hurry = threading.Event()

    @property
    def children(self) -> list[Child]:
        return list(self._children)

    def start(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        *,
        user: str | None = None,
        stop_signal: int = signal.SIGTERM,
        grace_s: float = 30.0,
    ) -> Child:
        """Start `argv` as `name`, with `env` added to this process's environment. `user` runs
        it as that account (PostgreSQL refuses to run as root)."""
        group = _primary_group(user) if user is not None else None
        log_path = self._log_dir / f"{name}.log" if self._log_dir is not None else None
        with contextlib.ExitStack() as files:
            if log_path is not None:
                stdout: int | IO[bytes] = files.enter_context(log_path.open("wb"))
            else:
                stdout = subprocess.PIPE
            try:
                popen = subprocess.Popen(  # noqa: S603 (our own argv, no shell)
                    list(argv),
                    stdout=stdout,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    # Handed down to the child, not read as configuration here.
                    env={**os.environ, **env} if env is not None else None,  # noqa: TID251
                    cwd=cwd,
                    start_new_session=True,
                    user=user,
                    group=group,
                    extra_groups=[] if user is not None else None,
                )
            except FileNotFoundError as error:
                raise ClusterError(f"{name}: cannot run {argv[0]}: {error.strerror}") from error
        child = Child(name, popen, log_path, stop_signal, grace_s)
        if popen.stdout is not None:
            child.pump = self._pump(child, popen.stdout)
        self._children.append(child)
        return child

    def run(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        user: str | None = None,
        timeout_s: float = 300.0,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> str:
        """Run a command to its end (migrations, initdb), its output shown like a child's,
        and return its output (the last lines only, with a prefixed output stream). A failure
        raises ClusterError with the output's end."""
        child = self.start(name, argv, env=env, cwd=cwd, user=user, grace_s=5.0)
        try:
            deadline = time.monotonic() + timeout_s
            while child.running():
                if cancelled():
                    raise ClusterError(f"{name}: interrupted")
                if time.monotonic() > deadline:
                    raise ClusterError(f"{name} did not finish in {timeout_s:.0f} s")
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.popen.wait(0.1)
        finally:
            self.stop(child)
        output = child.log_tail(10_000) if child.log_path else "\n".join(child.tail)
        if child.popen.returncode != 0:
            raise ClusterError(
                f"{name} failed (exit {child.popen.returncode}):\n{child.log_tail(_TAIL_LINES)}"
            )
        return output

    def stop(self, child: Child) -> None:
        """Ask `child` to stop (its stop signal), wait its grace period, then kill it."""
        if child.running():
            with contextlib.suppress(ProcessLookupError):
                child.popen.send_signal(child.stop_signal)
            deadline = time.monotonic() + child.grace_s
            while child.running() and time.monotonic() < deadline and not self._hurry.is_set():
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.popen.wait(0.1)
            if child.running():
                with contextlib.suppress(ProcessLookupError):
                    child.popen.kill()
                child.popen.wait(10)
        if child.pump is not None:
            # A grandchild that inherited the pipe could hold it open: do not wait forever.
            child.pump.join(5)
        if child in self._children:
            self._children.remove(child)

    def stop_all(self) -> None:
        for child in reversed(self.children):
            self.stop(child)

    def hurry(self) -> None:
        """Make the stops in progress (and to come) kill at once instead of waiting."""
        self._hurry.set()

    def exited(self) -> Child | None:
        """A child that exited while it should be running (it crashed, or was killed)."""
        return next((child for child in self._children if not child.running()), None)

    def _pump(self, child: Child, pipe: IO[bytes]) -> threading.Thread:
        assert self._output is not None  # noqa: S101 (no pipe without an output stream)
        output = self._output
        prefix = f"{child.name:<{_NAME_WIDTH}} | "

        def copy() -> None:
            with pipe:
                for raw in iter(pipe.readline, b""):
                    line = raw.decode(errors="replace").rstrip("\r\n")
                    child.tail.append(line)
                    with self._write_lock, contextlib.suppress(ValueError, OSError):
                        output.write(prefix + line + "\n")
                        output.flush()

        thread = threading.Thread(target=copy, name=f"output-{child.name}", daemon=True)
        thread.start()
        return thread


def _primary_group(user: str) -> int:
    try:
        return pwd.getpwnam(user).pw_gid
    except KeyError as error:
        raise ClusterError(f"there is no user {user!r} to run PostgreSQL as") from error


def wait_until(
    check: Callable[[], bool],
    *,
    what: str,
    timeout_s: float,
    child: Child | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    interval_s: float = 0.1,
) -> None:
    """Poll `check` until it is true; fail when the deadline passes, `child` exits, or the
    start is cancelled."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if cancelled():
            raise ClusterError(f"interrupted while waiting for {what}")
        if child is not None and not child.running():
            raise ClusterError(
                f"{child.name} exited (status {child.popen.returncode}) before {what}:\n"
                f"{child.log_tail(_TAIL_LINES)}"
            )
        if time.monotonic() > deadline:
            tail = f":\n{child.log_tail(_TAIL_LINES)}" if child is not None else ""
            raise ClusterError(f"{what}: not within {timeout_s:.0f} s{tail}")
        time.sleep(interval_s)


def is_root() -> bool:
    return os.geteuid() == 0
