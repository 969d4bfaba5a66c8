"""Round trip as a resident feels it, against a running `make run`: a message posted to the
simulator until the bot's reply is there (webhook, broker, worker, database, notifier, Bot API).

    make run            # in one terminal
    .venv/bin/python -m bench.roundtrip [--asks 100]

Sequential asks, one resident; prints p50 / p90 / max in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time

import requests

from libs.siades.demo import DEMO_RESIDENTS

SIM = "http://127.0.0.1:8080"
USER = 9901


def ask(text: str, seen: int) -> tuple[float, int]:
    """Send `text` as USER; return the seconds until the reply and the reply's sequence number."""
    started = time.perf_counter()
    requests.post(f"{SIM}/sim/updates", timeout=10, json={
        "user": {"id": USER, "first_name": "Bench"}, "text": text}).raise_for_status()
    while True:
        messages = requests.get(f"{SIM}/sim/messages", timeout=20, params={
            "chat_id": USER, "after": seen, "wait": 10}).json()["messages"]
        if messages:
            return time.perf_counter() - started, messages[-1]["seq"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--asks", type=int, default=100)
    args = parser.parse_args()
    nik, no_kk, _ = DEMO_RESIDENTS["single"]  # a resident the demo prompts leave alone
    first, seen = ask("/start", 0)
    _, seen = ask(f"DAFTAR#{nik}#{no_kk}", seen)
    latencies = []
    for i in range(args.asks):
        seconds, seen = ask(("Biodata", "Keluarga", "PKH")[i % 3], seen)
        latencies.append(seconds * 1000)
    latencies.sort()
    p90 = latencies[int(0.9 * (len(latencies) - 1))]
    print(f"first answer {first * 1000:.0f} ms; {args.asks} sequential asks: "
          f"p50 {statistics.median(latencies):.1f} ms, p90 {p90:.1f} ms, "
          f"max {latencies[-1]:.1f} ms")


if __name__ == "__main__":
    main()
