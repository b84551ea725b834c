"""Benchmark 4, the bot: answer latency p50/p99 without an LLM, for knowledge bases of 100,
1,000 and 10,000 entries. A ready harness that waits for the AI issue (the bot, the knowledge
base and a fake LLM are not in Helpline yet):

    .venv/bin/python -m bench.bot

When they land, `measure()` fills the knowledge base through the API, asks the bot questions
through a visitor socket with the fake LLM configured, and times question -> answer
(message.created from the bot) the way bench/loadgen.py times visitor -> agent.
"""

import argparse
import contextlib
import sys

from bench import common

SIZES = [100, 1_000, 10_000]
WAITING_FOR = "the AI issue (bot, knowledge base, fake LLM)"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=lambda t: [int(x) for x in t.split(",")], default=SIZES)
    parser.add_argument("--questions", type=int, default=200)
    return parser.parse_args(argv)


def bot_available() -> bool:
    """Whether this Helpline has a bot to measure (its package is importable)."""
    import importlib.util

    return importlib.util.find_spec("helpline.bot") is not None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    info = common.print_machine()
    if not bot_available():
        print(f"bot benchmark: skipped, it waits for {WAITING_FOR}; sizes {args.sizes}")
        common.save_results("bot", {"machine": info, "skipped": WAITING_FOR})
        return 0
    print(f"bot benchmark: helpline.bot exists, but this harness still waits for {WAITING_FOR}")
    common.save_results("bot", {"machine": info, "skipped": "harness not written yet"})
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
