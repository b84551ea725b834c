"""Where a server's time goes: py-spy sampling of a running process, summarised.

`py-spy record --format raw` writes collapsed stacks ("frame;frame;frame count"); the summary
groups the samples by the innermost frame (self time) and by the Helpline, SQLAlchemy, driver
or uvicorn layer each stack passes through (inclusive time).
"""

import subprocess
import sys
from collections import Counter
from pathlib import Path

PY_SPY = str(Path(sys.executable).parent / "py-spy")

# Inclusive buckets, tried in order on each stack: the first that matches a frame wins.
LAYERS = [
    ("json encode/decode + pydantic", ("pydantic", "json/", "encode (", "model_dump")),
    ("sqlalchemy ORM/core", ("sqlalchemy/",)),
    ("database driver (aiosqlite/sqlite3, asyncpg)", ("aiosqlite", "asyncpg", "sqlite3")),
    ("websocket protocol (uvicorn, websockets)", ("uvicorn/", "websockets/")),
    ("redis", ("redis/",)),
    ("asyncio event loop", ("asyncio/", "uvloop")),
]


def start(pid: int, out: Path, duration_s: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [PY_SPY, "record", "-p", str(pid), "-d", str(duration_s), "-r", "100"]
        + ["-f", "raw", "-o", str(out), "--nonblocking", "--gil"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def wait(popen: subprocess.Popen[bytes]) -> None:
    try:
        _, err = popen.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        popen.kill()
        popen.wait()
        return
    if popen.returncode != 0:
        print(f"py-spy failed ({popen.returncode}): {err.decode(errors='replace')[-500:]}")


def _frames(line: str) -> tuple[list[str], int]:
    stack, _, count = line.rpartition(" ")
    return stack.split(";"), int(count)


def summary(raw: Path, top: int = 25) -> str:
    if not raw.exists():
        return "(no profile was written)"
    own: Counter[str] = Counter()
    helpline: Counter[str] = Counter()
    layers: Counter[str] = Counter()
    total = idle = 0
    for line in raw.read_text().splitlines():
        if not line.strip():
            continue
        frames, count = _frames(line)
        total += count
        leaf = frames[-1]
        if "select" in leaf or "epoll" in leaf or ("_run_once" in leaf and len(frames) < 4):
            idle += count
        own[_short(leaf)] += count
        layers[_layer(frames)] += count
        for name in {_short(f) for f in frames if "(helpline/" in f or "/helpline/" in f}:
            helpline[name] += count
    if not total:
        return "(empty profile)"
    lines = [f"{total} samples; idle (waiting in select/epoll): {100 * idle / total:.0f}%"]
    lines.append("\nby layer (first match, innermost first):")
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in layers.most_common()]
    lines.append("\nself time, top functions:")
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    lines.append("\ninclusive time in Helpline functions:")
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in helpline.most_common(top)]
    return "\n".join(lines)


def _layer(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, needles in LAYERS:
            if any(needle in frame for needle in needles):
                return name
        if "(helpline/" in frame or "/helpline/" in frame:
            return "helpline code itself"
    return "other"


def _short(frame: str) -> str:
    # py-spy raw frames look like "function (path/to/module.py:123)".
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path, _, _line = where.rpartition(":")
    for marker in ("site-packages/", "/src/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{name} ({path})"
