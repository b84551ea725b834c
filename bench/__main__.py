"""`python -m bench` (what `make bench` runs): every benchmark, one after the other, each in its
own process, then one summary table with the baseline ratios. Bounded: the whole run takes
under ten minutes on the 2-core development machine."""

import contextlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import common

# Trimmed so that the whole run, the bot benchmark included, stays under ten minutes: chat
# steps of 3 s instead of 4 (every rate still stepped through, with the same warm-up), the
# relay from 1,000 visitor msgs/s (500 is far below where its p99 passes a limit), and 150
# bot questions per size instead of 300.
CHAT_STEPS = [
    "--step-seconds",
    "3",
    "--relay-rates",
    "1000,2000,3000,4000,5000,6000,8000,10000,12000,16000,20000",
]
RUNS = [
    ["bench.chat_load", "--db", "sqlite", *CHAT_STEPS],
    ["bench.chat_load", "--db", "postgres", *CHAT_STEPS],
    ["bench.chat_load", "--db", "postgres", "--nodes", "2", *CHAT_STEPS],
    ["bench.connections", "--db", "sqlite"],
    ["bench.growth", "--db", "sqlite"],
    ["bench.growth", "--db", "postgres"],
    ["bench.bot", "--questions", "150"],
]


def main() -> int:
    common.interrupts_as_exceptions()
    failed = []
    with tempfile.TemporaryDirectory(prefix="helpline-bench-results-") as results:
        env = {**_environ(), common.RESULTS_ENV: results}
        started = time.monotonic()
        for argv in RUNS:
            print(f"\n=== python -m {' '.join(argv)} ===", flush=True)
            done = subprocess.run([sys.executable, "-m", *argv], env=env, check=False)
            if done.returncode != 0:
                failed.append(" ".join(argv))
        print(f"\n=== summary ({time.monotonic() - started:.0f} s) ===")
        print(summary(Path(results)))
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


def _environ() -> dict[str, str]:
    import os

    return dict(os.environ)


def summary(results: Path) -> str:
    rows: list[list[Any]] = []
    for path in sorted(results.glob("*.json")):
        data = json.loads(path.read_text())
        name = path.stem
        if name.startswith("chat_load"):
            label = data["config"]["label"]
            rows.append(
                [
                    name,
                    f"{data.get(f'{label}_held_100ms', 0):,.0f} msgs/s at p99<=100ms "
                    f"({data.get(f'{label}_held_50ms', 0):,.0f} at p99<=50ms)",
                    f"{data.get('relay_held_100ms', 0):,.0f} msgs/s",
                    f"{data.get('ratio_to_relay', 0):.1%}",
                ]
            )
        elif name.startswith("connections"):
            ours = [r for r in data["rows"] if r["server"] != "relay"]
            relay = [r for r in data["rows"] if r["server"] == "relay"]
            if ours and relay:
                rows.append(
                    [
                        name,
                        f"{ours[-1]['mib_per_1000']:.1f} MiB/1,000 at {ours[-1]['sockets']:,}, "
                        f"{ours[-1]['connects_per_s']:,.0f} connects/s",
                        f"{relay[-1]['mib_per_1000']:.1f} MiB/1,000, "
                        f"{relay[-1]['connects_per_s']:,.0f}/s",
                        f"{data.get('memory_ratio_to_relay', 0):.1f}x memory",
                    ]
                )
        elif name.startswith("growth"):
            last, first = data["rows"][-1], data["rows"][0]
            ratios = ", ".join(f"{k} {v:.2f}x" for k, v in data["ratios"].items())
            rows.append([name, f"p50 at {last['size']:,} vs {first['size']:,}", "-", ratios])
        elif name.startswith("bot") and data.get("rows"):
            rows.append(_bot_row(name, data["rows"]))
        else:
            rows.append([name, data.get("skipped", "-"), "-", "-"])
    return common.table(["benchmark", "helpline", "baseline", "ratio"], rows)


def _bot_row(name: str, sizes: list[dict[str, Any]]) -> list[Any]:
    """The largest knowledge base's answer latency against its floor (embed + numpy top-k),
    and the p50 ratio at every size."""
    last = sizes[-1]
    ratios = ", ".join(f"{r['size']:,}: {r['ratio_p50']:.1f}x" for r in sizes)
    return [
        name,
        f"p50 {last['p50_ms']:.1f} / p99 {last['p99_ms']:.1f} ms at {last['size']:,} FAQ entries",
        f"p50 {last['baseline_p50_ms']:.1f} / p99 {last['baseline_p99_ms']:.1f} ms",
        f"p50 {ratios}",
    ]


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
