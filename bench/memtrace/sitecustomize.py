"""Where a Helpline server's memory goes (a diagnostic for docs/benchmarks.md, "Idle
connections"). Active in `helpline serve` when this directory is on PYTHONPATH and
HELPLINE_BENCH_MEMTRACE names a directory: after HELPLINE_BENCH_MEMTRACE_DELAY seconds (20 by
default: tracing slows start-up past the benchmarks' readiness wait) tracemalloc starts, and
every 8 s a snapshot is written there, named with the time and the number of open sockets:

    PYTHONPATH=bench/memtrace HELPLINE_BENCH_MEMTRACE=/tmp/mem \\
        .venv/bin/python -m bench.connections --no-baseline --sockets 4000 --batch 2000

Compare two snapshots with `tracemalloc.Snapshot.load(...).compare_to(other, "traceback")`
and divide by the difference in sockets.
"""

import gc
import os
import sys
import threading
import time
import tracemalloc
from pathlib import Path

_OUT = os.environ.get("HELPLINE_BENCH_MEMTRACE")
_SNAPSHOT_EVERY_S = 8


def _open_sockets() -> int:
    return sum(1 for o in gc.get_objects() if type(o).__name__ == "Connection")


def _trace(folder: Path, delay_s: float) -> None:
    time.sleep(delay_s)
    tracemalloc.start(15)
    while True:
        time.sleep(_SNAPSHOT_EVERY_S)
        name = f"snap-{int(time.time())}-{_open_sockets()}"
        tracemalloc.take_snapshot().dump(str(folder / name))


if _OUT and sys.argv[0].endswith("helpline") and "serve" in sys.argv:
    folder = Path(_OUT)
    folder.mkdir(parents=True, exist_ok=True)
    delay = float(os.environ.get("HELPLINE_BENCH_MEMTRACE_DELAY", "20"))
    threading.Thread(target=_trace, args=(folder, delay), daemon=True).start()
