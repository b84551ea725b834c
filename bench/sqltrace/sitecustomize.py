"""Counts and times every SQL statement a Helpline process runs (a diagnostic for the profile
in docs/benchmarks.md). Active when this directory is on PYTHONPATH and
HELPLINE_BENCH_SQLTRACE names the file to write at exit:

    PYTHONPATH=bench/sqltrace HELPLINE_BENCH_SQLTRACE=/tmp/sql.txt .venv/bin/helpline serve
"""

import atexit
import os
import re
import threading
import time
from collections import defaultdict

_OUT = os.environ.get("HELPLINE_BENCH_SQLTRACE")

if _OUT:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    _stats: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    _started: dict[int, float] = {}

    @event.listens_for(Engine, "before_cursor_execute")
    def _before(_conn, cursor, _statement, _params, _context, _many) -> None:
        _started[id(cursor)] = time.perf_counter()

    @event.listens_for(Engine, "after_cursor_execute")
    def _after(_conn, cursor, statement, _params, _context, _many) -> None:
        began = _started.pop(id(cursor), None)
        key = re.sub(r"\s+", " ", statement)[:160]
        entry = _stats[key]
        entry[0] += 1
        if began is not None:
            entry[1] += time.perf_counter() - began

    def _dump() -> None:
        rows = sorted(_stats.items(), key=lambda kv: -kv[1][1])
        with open(f"{_OUT}.{os.getpid()}", "w") as out:
            for statement, (count, seconds) in rows:
                out.write(f"{count:8d} {seconds * 1000:10.1f} ms  {statement}\n")

    def _every_two_seconds() -> None:
        # A server may be stopped without running atexit hooks: keep the file current.
        while True:
            time.sleep(2)
            _dump()

    atexit.register(_dump)
    threading.Thread(target=_every_two_seconds, daemon=True).start()
