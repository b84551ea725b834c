"""The servers a local cluster needs, started from the system's binaries on loopback (the way
scripts/test.sh does): a throwaway PostgreSQL and a Redis without persistence."""

import contextlib
import shutil
import signal
import socket
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from helpline.operations.cluster_processes import (
    Child,
    ClusterError,
    ProcessGroup,
    is_root,
    wait_until,
)

INSTALL_HINT = "apt-get install postgresql redis-server"
# Debian keeps the PostgreSQL server tools in /usr/lib/postgresql/N/bin, off PATH.
POSTGRES_ROOTS = (Path("/usr/lib/postgresql"),)
# initdb and postgres refuse to run as root; Debian's package creates this account.
POSTGRES_OS_USER = "postgres"
# PostgreSQL's role and database for Helpline: not a superuser, like in production.
DATABASE_ROLE = "helpline"


def find_postgres_bin(
    search_path: str | None = None, roots: Sequence[Path] = POSTGRES_ROOTS
) -> Path | None:
    """The directory holding initdb and postgres: beside a pg_ctl on PATH, else the newest
    /usr/lib/postgresql/N/bin."""
    on_path = shutil.which("pg_ctl", path=search_path)
    if on_path and shutil.which("initdb", path=search_path):
        directory = Path(on_path).resolve().parent
        if (directory / "postgres").exists():
            return directory
    candidates = [d for root in roots for d in root.glob("*/bin")]
    candidates.sort(key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)
    for directory in reversed(candidates):
        if all((directory / tool).exists() for tool in ("initdb", "postgres", "psql")):
            return directory
    return None


def find_redis_server(search_path: str | None = None) -> Path | None:
    found = shutil.which("redis-server", path=search_path)
    return Path(found) if found else None


def require_binaries(
    search_path: str | None = None, roots: Sequence[Path] = POSTGRES_ROOTS
) -> tuple[Path, Path]:
    """PostgreSQL's bin directory and redis-server, or one error naming what is missing."""
    postgres = find_postgres_bin(search_path, roots)
    redis = find_redis_server(search_path)
    missing = []
    if postgres is None:
        places = ", ".join(f"{root}/*/bin" for root in roots)
        missing.append(
            f"PostgreSQL's server binaries (initdb, postgres, psql; not on PATH or in {places})"
        )
    if redis is None:
        missing.append("redis-server (not on PATH)")
    if postgres is None or redis is None:
        raise ClusterError(f"Missing {' and '.join(missing)}. Install them with: {INSTALL_HINT}")
    return postgres, redis


def free_port(host: str = "127.0.0.1") -> int:
    """A port the kernel says is free now (another process could take it before we bind)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def require_free_port(host: str, port: int, what: str, hint: str = "") -> None:
    with socket.socket() as sock:
        # As uvicorn binds: a port only in TIME_WAIT is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            raise ClusterError(
                f"Port {port} on {host} ({what}) is already in use ({error.strerror})"
                + (f": {hint}" if hint else "")
            ) from error


@dataclass
class Postgres:
    child: Child
    url: str
    port: int
    data_dir: Path
    bin_dir: Path

    @property
    def pid(self) -> int:
        return self.child.pid


def start_postgres(
    group: ProcessGroup,
    work: Path,
    *,
    bin_dir: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    database: str = "helpline",
    durable: bool = True,
    settings: dict[str, str] | None = None,
    name: str = "postgres",
    cancelled: Callable[[], bool] = lambda: False,
) -> Postgres:
    """PostgreSQL on `host`, its cluster in `work`/postgres (made by initdb the first time,
    reused after). Trust authentication: it listens on loopback only, for one developer or one
    benchmark. `durable=False` turns fsync off, for tests. Stopped with its group (SIGINT:
    PostgreSQL's fast shutdown)."""
    pg_dir = work / "postgres"
    data = pg_dir / "data"
    run_as = POSTGRES_OS_USER if is_root() else None
    fresh = not (data / "PG_VERSION").exists()
    if fresh:
        pg_dir.mkdir(parents=True, exist_ok=True)
        if run_as is not None:
            # The unprivileged account must reach its directory, and own it.
            work.chmod(0o711)
            _chown_to(pg_dir, run_as)
        group.run(
            "initdb",
            [
                *(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"),
                *("-E", "UTF8", "--no-locale", "--no-sync"),
            ],
            cwd=Path("/"),
            user=run_as,
            cancelled=cancelled,
        )
    port = port or free_port(host)
    # On the command line rather than in postgresql.conf: a kept cluster restarts on new ports.
    options = {
        "listen_addresses": host,
        "port": str(port),
        "unix_socket_directories": str(pg_dir),
        "max_connections": "200",
        **({} if durable else {"fsync": "off", "synchronous_commit": "off"}),
        **({} if durable else {"full_page_writes": "off"}),
        **(settings or {}),
    }
    argv = [str(bin_dir / "postgres"), "-D", str(data)]
    for key, value in options.items():
        argv += ["-c", f"{key}={value}"]
    child = group.start(
        name, argv, cwd=Path("/"), user=run_as, stop_signal=signal.SIGINT, grace_s=30.0
    )
    psql = [str(bin_dir / "psql"), "-X", "-q", "-h", host, "-p", str(port), "-U", "postgres"]
    wait_until(
        lambda: _answers([*psql, "-d", "postgres", "-c", "SELECT 1"]),
        what=f"PostgreSQL answering on {host}:{port}",
        timeout_s=60,
        child=child,
        cancelled=cancelled,
    )
    if fresh:
        # CREATEDB, so that tests may make scratch databases.
        group.run(
            "psql",
            [
                *psql,
                *("-d", "postgres", "-v", "ON_ERROR_STOP=1"),
                *("-c", f"CREATE ROLE {DATABASE_ROLE} LOGIN CREATEDB"),
                *("-c", f"CREATE DATABASE {database} OWNER {DATABASE_ROLE}"),
            ],
            cancelled=cancelled,
        )
    url = f"postgresql+asyncpg://{DATABASE_ROLE}@{host}:{port}/{database}"
    return Postgres(child, url, port, data, bin_dir)


def _answers(argv: list[str]) -> bool:
    done = subprocess.run(argv, capture_output=True, timeout=10, check=False)  # noqa: S603
    return done.returncode == 0


def _chown_to(path: Path, user: str) -> None:
    try:
        shutil.chown(path, user, user)
    except LookupError as error:
        raise ClusterError(
            f"Running as root, PostgreSQL must run as the user {user!r}, which does not exist "
            f"(the postgresql package creates it: {INSTALL_HINT})"
        ) from error


@dataclass
class Redis:
    child: Child
    url: str
    port: int

    @property
    def pid(self) -> int:
        return self.child.pid


def start_redis(
    group: ProcessGroup,
    work: Path,
    *,
    server: Path | str = "redis-server",
    host: str = "127.0.0.1",
    port: int = 0,
    name: str = "redis",
    cancelled: Callable[[], bool] = lambda: False,
) -> Redis:
    """Redis on `host` without persistence: nothing to clean up but the process."""
    redis_dir = work / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port(host)
    child = group.start(
        name,
        [
            *(str(server), "--bind", host, "--port", str(port)),
            *("--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", str(redis_dir)),
        ],
        grace_s=10.0,
    )
    wait_until(
        lambda: _pings(host, port),
        what=f"Redis answering PING on {host}:{port}",
        timeout_s=20,
        child=child,
        cancelled=cancelled,
    )
    return Redis(child, f"redis://{host}:{port}/0", port)


def _pings(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), 0.5) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")
    return False
