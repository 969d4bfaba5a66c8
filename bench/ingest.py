"""a. Gateway ingest: confirmed updates/s and p50/p99 latency at 1, 4, 16 and 64 concurrent
clients, beside a bare Flask endpoint answering 200 under the same gunicorn settings.

Per level the bare endpoint and the gateway take turns three times (1 s warm-up, 3 s measured
each) and the median rate counts, so both see the same machine. Every 200 from the gateway is
an update the broker confirmed; the queue's purge count checks that. A canned-answer server
measures the load generator's own ceiling.
"""

from __future__ import annotations

import itertools
import os
import socket
import statistics
import time

from bench.common import RESULTS, ms, percentile, print_table, pyplot, update_json
from bench.loadgen import Run, closed_loop, post_bytes
from bench.stack import SECRET, Stack, process_tree_cpu
from libs import topology
from libs.config import Settings
from tools.supervisor import SERVICES, free_port

NAME = "ingest"
LEVELS = (1, 4, 16, 64)
CEILING_LEVELS = (16, 64)
WARMUP, DURATION = 1.0, 3.0
ROUNDS = 3  # bare and gateway take turns this many times per level; the median rate counts
TEXTS = ("Biodata", "Keluarga", "/start", "PKH")
GOAL = 0.80  # the gateway's peak rate against the bare endpoint's


class Target:
    """One server under load: where it listens and which process tree is it."""

    def __init__(self, name: str, port: int, pid: int):
        self.name, self.port, self.pid = name, port, pid
        numbers = itertools.count(1_000_000 if name == "gateway" else 5_000_000)
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}

        def next_request() -> bytes:
            n = next(numbers)
            body = update_json(n, 6_000_000 + n % 1000, TEXTS[n % len(TEXTS)])
            return post_bytes("127.0.0.1", port, "/telegram/webhook", body, headers)

        self.next_request = next_request


def measure(target: Target, clients: int, broker_pid: int) -> dict:
    """One closed-loop run; throughput, latency and who used the CPU."""
    server0, broker0 = process_tree_cpu(target.pid), process_tree_cpu(broker_pid)
    wall0 = time.perf_counter()
    run: Run = closed_loop("127.0.0.1", target.port, target.next_request, clients,
                           WARMUP, DURATION)
    wall = time.perf_counter() - wall0
    return {
        "rate": run.ok_rate(),
        "ok_latency": [lat for lat, status in zip(run.latency, run.status, strict=True)
                       if status == 200],
        "answered": len(run.status), "non_200": sum(1 for s in run.status if s != 200),
        "all_200s": run.all_ok, "connection_errors": run.errors,
        # cores busy on average: the window for the client, warm-up included for the servers
        "client_cores": run.client_cpu / run.seconds,
        "server_cores": (process_tree_cpu(target.pid) - server0) / wall,
        "broker_cores": (process_tree_cpu(broker_pid) - broker0) / wall,
    }


def combine(clients: int, rounds: list[dict]) -> dict:
    """Several rounds of one level: the median rate, latencies pooled, the rest summed or
    averaged."""
    ok = [lat for r in rounds for lat in r["ok_latency"]]
    return {
        "clients": clients, "rate": round(statistics.median(r["rate"] for r in rounds), 1),
        "round_rates": [round(r["rate"], 1) for r in rounds],
        "p50_ms": ms(percentile(ok, 50)), "p99_ms": ms(percentile(ok, 99)),
        **{key: sum(r[key] for r in rounds)
           for key in ("answered", "non_200", "all_200s", "connection_errors")},
        **{key: round(statistics.mean(r[key] for r in rounds), 2)
           for key in ("client_cores", "server_cores", "broker_cores")},
        # the server's CPU time per answer 200 (warm-up included: an upper bound)
        "server_cpu_us": round(1e6 * statistics.mean(r["server_cores"] / r["rate"]
                                                     for r in rounds if r["rate"])),
    }


def wait_port(port: int, timeout: float = 10) -> None:
    """Wait until something accepts connections on `port`."""
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing listens on {port} after {timeout} s")
        time.sleep(0.05)


def run(stack: Stack) -> dict:
    """Start the gateway, the bare endpoint and the canned server; load each in turn."""
    url = stack.new_vhost()
    settings = Settings.from_env()
    ports = {"gateway": free_port(), "bare": free_port(), "canned": free_port()}
    base_env = dict(os.environ, RABBITMQ_URL=url, TELEGRAM_WEBHOOK_SECRET=SECRET,
                    DATABASE_URL=stack.database())
    gateway = stack.start("gateway", SERVICES["gateway"].argv,
                          dict(base_env, GATEWAY_BIND=f"127.0.0.1:{ports['gateway']}"))
    bare = stack.start("bare_app", ["-m", "bench.bare_app"],
                       dict(base_env, GATEWAY_BIND=f"127.0.0.1:{ports['bare']}"))
    canned = stack.start("canned", ["-m", "bench.loadgen", str(ports["canned"])], base_env)
    stack.wait_http(f"http://127.0.0.1:{ports['gateway']}/healthz")
    stack.wait_http(f"http://127.0.0.1:{ports['bare']}/healthz")
    wait_port(ports["canned"])
    broker_pid = stack.node.process.pid
    targets = {"bare": Target("bare", ports["bare"], bare.pid),
               "gateway": Target("gateway", ports["gateway"], gateway.pid)}

    levels, confirmed = [], 0
    with stack.channel(url) as channel:
        channel.queue_purge(topology.DATA_QUEUE)
        channel.queue_purge(topology.LETTER_QUEUE)
    for clients in LEVELS:
        print(f"  {clients} clients: bare, gateway, {ROUNDS} times ...", flush=True)
        rounds = {name: [] for name in targets}
        for _ in range(ROUNDS):
            for name, target in targets.items():
                rounds[name].append(measure(target, clients, broker_pid))
                stack.check_alive()
        row = {"clients": clients,
               **{name: combine(clients, runs) for name, runs in rounds.items()}}
        with stack.channel(url) as channel:  # keep the queues short between levels
            confirmed += channel.queue_purge(topology.DATA_QUEUE).method.message_count
            confirmed += channel.queue_purge(topology.LETTER_QUEUE).method.message_count
        row["ratio"] = round(row["gateway"]["rate"] / row["bare"]["rate"], 3)
        levels.append(row)

    ceiling = []
    canned_target = Target("canned", ports["canned"], canned.pid)
    for clients in CEILING_LEVELS:
        print(f"  load generator ceiling: {clients} clients ...", flush=True)
        ceiling.append(combine(clients, [measure(canned_target, clients, broker_pid)]))

    peak_bare = max(level["bare"]["rate"] for level in levels)
    peak_gateway = max(level["gateway"]["rate"] for level in levels)
    ratio = peak_gateway / peak_bare
    gateway_200s = sum(level["gateway"]["all_200s"] for level in levels)
    result = {
        "title": "Gateway ingest",
        "config": {"gateway_workers": settings.gateway_workers,
                   "gateway_threads": settings.gateway_threads,
                   "warmup_s": WARMUP, "duration_s": DURATION, "rounds": ROUNDS,
                   "log_level": settings.log_level,
                   "client": "asyncio raw HTTP/1.1 keep-alive, one connection per client"},
        "levels": levels,
        "ceiling": ceiling,
        # every 200 (warm-up included) must be in the queue: purged >= 200s
        "confirmed_in_queue": confirmed, "gateway_200s": gateway_200s,
        "summary": [{
            "benchmark": "a. gateway ingest",
            "goal": f"peak rate >= {GOAL:.0%} of a bare Flask endpoint's",
            "measured": f"{peak_gateway:,.0f}/s vs {peak_bare:,.0f}/s ({ratio:.0%})"
                        + (f"; {gateway_200s - confirmed} answers 200 not in the queue"
                           if confirmed < gateway_200s else ""),
            "holds": ratio >= GOAL and confirmed >= gateway_200s,
        }],
    }
    return result


def report(result: dict) -> None:
    """Print the table and draw results/ingest.png."""
    rows = []
    for level in result["levels"]:
        for name in ("bare", "gateway"):
            m = level[name]
            rows.append([level["clients"], name, m["rate"], m["p50_ms"], m["p99_ms"],
                         m["non_200"], m["client_cores"], m["server_cores"],
                         m.get("server_cpu_us", ""), m["broker_cores"],
                         f"{level['ratio']:.0%}" if name == "gateway" else ""])
    for m in result["ceiling"]:
        rows.append([m["clients"], "canned", m["rate"], m["p50_ms"], m["p99_ms"], m["non_200"],
                     m["client_cores"], m["server_cores"], "", "", ""])
    print_table(["clients", "server", "ok/s", "p50 ms", "p99 ms", "non-200", "client cores",
                 "server cores", "server CPU us/200", "broker cores", "gw/bare"], rows)
    plot(result)


def plot(result: dict) -> None:
    plt = pyplot()
    clients = [level["clients"] for level in result["levels"]]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, colour in (("bare", "tab:gray"), ("gateway", "tab:blue")):
        left.plot(clients, [level[name]["rate"] for level in result["levels"]], "o-",
                  color=colour, label="bare Flask endpoint" if name == "bare" else "gateway")
        right.plot(clients, [level[name]["p50_ms"] for level in result["levels"]], "o-",
                   color=colour, label=f"{name} p50")
        right.plot(clients, [level[name]["p99_ms"] for level in result["levels"]], "s--",
                   color=colour, label=f"{name} p99")
    left.plot([m["clients"] for m in result["ceiling"]], [m["rate"] for m in result["ceiling"]],
              "^:", color="tab:green", label="load generator ceiling (canned server)")
    bare = [level["bare"]["rate"] * GOAL for level in result["levels"]]
    left.plot(clients, bare, ":", color="tab:red", label=f"goal: {GOAL:.0%} of bare")
    for axis in (left, right):
        axis.set_xscale("log", base=2)
        axis.set_xticks(clients, [str(c) for c in clients])
        axis.set_xlabel("concurrent clients")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    left.set_ylabel("answered 200 per second")
    left.set_yscale("log")
    right.set_ylabel("latency (ms)")
    right.set_yscale("log")
    config = result["config"]
    fig.suptitle(f"Gateway ingest: gunicorn gthread, {config['gateway_workers']} workers x "
                 f"{config['gateway_threads']} threads ({result.get('date', '')})")
    fig.tight_layout()
    fig.savefig(RESULTS / f"{NAME}.png", dpi=110)
    plt.close(fig)
