"""`python -m bench [NAME ...] [--keep]`: run benchmarks, write bench/results/NAME.{json,png}.

    all        every benchmark below, then `report` (what `make bench` runs)
    ingest     a. the gateway's confirmed updates/s beside a bare Flask endpoint
    e2e        b. webhook POST until the sendMessage reaches the simulator, at 20/100/300 per s
    notifier   c. a 3,000-message announcement to 1,000 chats against Telegram's limits
    workers    d. data_service commands/s with 1, 2 and 4 worker processes
    report     rewrite the summary table in docs/PERFORMANCE.md from bench/results/*.json

One private RabbitMQ node serves the whole run (a fresh vhost per benchmark); databases,
processes and logs live in a temporary directory (kept with --keep). Ctrl-C or SIGTERM stops
everything the run started.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import time

from bench.common import fsync_ms, machine, save

BENCHMARKS = {"ingest": "bench.ingest", "e2e": "bench.e2e", "notifier": "bench.notifier",
              "workers": "bench.workers"}


def _interrupt(*_args) -> None:
    raise KeyboardInterrupt


def run(names: list[str], keep: bool) -> None:
    """Run the named benchmarks on one stack; save and report each as it finishes."""
    from bench.stack import Stack

    with Stack(keep=keep) as stack:
        for name in names:
            module = importlib.import_module(BENCHMARKS[name])
            print(f"== {name}: {module.__doc__.splitlines()[0]}", flush=True)
            started, load_before = time.monotonic(), os.getloadavg()[0]
            result = module.run(stack)
            stack.stop_all()
            result["seconds"] = round(time.monotonic() - started, 1)
            result["load_before"] = round(load_before, 1)
            result["load_after"] = round(os.getloadavg()[0], 1)
            result["machine"] = dict(machine(stack.broker_versions()),
                                     fsync_ms=fsync_ms(stack.base))
            module.report(save(name, result))
            print(f"== {name}: {result['seconds']:.0f} s, bench/results/{name}.json and .png",
                  flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", default=["all"], metavar="NAME",
                        choices=["all", "report", *BENCHMARKS])
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary directory (logs, databases, broker)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    names = list(BENCHMARKS) if "all" in args.names else [
        n for n in args.names if n != "report"]
    started = time.monotonic()
    try:
        if names:
            run(names, args.keep)
        if "all" in args.names or "report" in args.names:
            from bench import report

            report.main()
    except KeyboardInterrupt:
        sys.exit("interrupted; everything the run started is stopped")
    print(f"done in {time.monotonic() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
