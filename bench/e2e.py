"""b. End to end: from the webhook POST until the reply's sendMessage reaches the simulator,
p50/p99 at 20, 100 and 300 updates a second.

Updates arrive open-loop at a fixed rate (each due at start + i / rate, whatever the answers;
latency counts from the due time, so a client that falls behind shows up as latency), spread
over 1,000 chats: the residents linked in the demo village ask Biodata or Keluarga, the other
chats send /start; every one is answered from the database by data_service. The pipeline is one
gateway (its default gunicorn settings), one data_service, the notifier with
NOTIFIER_MAX_PER_SECOND=1000 and the simulator with Telegram's limits off: this measures the
pipeline, not Telegram's pace (benchmark c does).
"""

from __future__ import annotations

import itertools
import os
import time
from collections import defaultdict

from bench.common import RESULTS, ms, percentile, print_table, pyplot, update_json
from bench.loadgen import Sent, open_loop, post_bytes
from bench.sim import Simulator
from bench.stack import SECRET, QueueWatcher, Stack
from libs import topology
from tools.supervisor import SERVICES, SIM_TOKEN, free_port

NAME = "e2e"
RATES = ((20, 15.0), (100, 10.0), (300, 10.0))  # updates a second, for how many seconds
WARMUP = (20, 2.0)
CHATS = 1000
UNLINKED_CHAT_BASE = 7_900_000
GOAL_RATE, GOAL_P50_MS, GOAL_P99_MS = 100, 15.0, 60.0
DRAIN_TIMEOUT = 45.0  # seconds after the last POST; later replies count as missing
SETTLE = 3.0  # seconds for what the notifier holds to go out after a purge


class Load:
    """The updates to send: distinct update ids, chats in rotation, a command per chat."""

    def __init__(self, linked: list[int], port: int):
        self.port = port
        unlinked = [UNLINKED_CHAT_BASE + i for i in range(CHATS - len(linked))]
        self.chats = (linked + unlinked)[:CHATS]
        self.linked = set(linked)
        self._numbers = itertools.count(2_000_000)

    def batch(self, rate: int, seconds: float) -> tuple[list[bytes], list[int]]:
        """rate x seconds updates as raw POSTs, and the chat of each."""
        raws, chats = [], []
        for _ in range(int(rate * seconds)):
            n = next(self._numbers)
            chat = self.chats[n % len(self.chats)]
            text = ("Biodata", "Keluarga")[n // len(self.chats) % 2] if chat in self.linked \
                else "/start"
            raws.append(post_bytes("127.0.0.1", self.port, "/telegram/webhook",
                                   update_json(n, chat, text),
                                   {"X-Telegram-Bot-Api-Secret-Token": SECRET}))
            chats.append(chat)
        return raws, chats


def pair(sent: list[Sent], chats: list[int], calls: list[dict]) -> list[tuple[float, float]]:
    """(due time, delivery time) per answered update: the n-th update to a chat with the n-th
    sendMessage to it (one reply each, and the notifier keeps a chat's order)."""
    due = defaultdict(list)
    for record, chat in zip(sent, chats, strict=True):
        if record.status == 200:
            due[chat].append(record.due)
    delivered = defaultdict(list)
    for call in calls:
        if call["method"] == "sendMessage" and call["status"] == 200:
            delivered[call["chat_id"]].append(call["time"])
    return [(d, t) for chat in due for d, t in zip(due[chat], delivered[chat], strict=False)]


def step(stack: Stack, url: str, sim: Simulator, load: Load, rate: int, seconds: float) -> dict:
    """One rate: send, wait for the replies, measure."""
    raws, chats = load.batch(rate, seconds)
    after = sim.last_seq()
    with QueueWatcher(url, [topology.DATA_QUEUE, topology.NOTIFIER_QUEUE]) as queues:
        sent = open_loop("127.0.0.1", load.port, raws, rate)
        accepted = sum(1 for s in sent if s.status == 200)
        calls = sim.wait_sent(after, accepted, DRAIN_TIMEOUT)
    pairs = pair(sent, chats, calls)
    if len(pairs) < accepted:
        # What is still queued would be taken for the next step's replies: drop it.
        with stack.channel(url) as channel:
            channel.queue_purge(topology.DATA_QUEUE)
            channel.queue_purge(topology.NOTIFIER_QUEUE)
        time.sleep(SETTLE)
    latency = [t - d for d, t in pairs]
    answer = [s.latency for s in sent if s.status == 200]
    first_due = sent[0].due
    return {
        "rate": rate, "seconds": seconds, "sent": len(sent), "accepted": accepted,
        "non_200": sum(1 for s in sent if s.status not in (200, None)),
        "connection_errors": sum(1 for s in sent if s.status is None),
        "delivered": len(pairs), "missing": accepted - len(pairs),
        "p50_ms": ms(percentile(latency, 50)), "p90_ms": ms(percentile(latency, 90)),
        "p99_ms": ms(percentile(latency, 99)), "max_ms": ms(max(latency, default=float("nan"))),
        "webhook_p50_ms": ms(percentile(answer, 50)),
        "webhook_p99_ms": ms(percentile(answer, 99)),
        "client_lag_p99_ms": ms(percentile([s.lag for s in sent], 99)),
        "delivered_per_s": round(len(pairs) / max(1e-9, max((t for _, t in pairs),
                                                            default=first_due) - first_due), 1),
        "calls_429": sum(1 for c in calls if c["status"] == 429),
        # the most commands waiting for data_service, and replies waiting for the notifier
        # beyond what it holds (it takes up to a prefetch's worth at once)
        "most_queued_commands": queues.most(topology.DATA_QUEUE),
        "most_queued_replies": queues.most(topology.NOTIFIER_QUEUE),
        # (seconds after the first due time, latency ms) for the plot, every update
        "series": [[round(d - first_due, 3), ms(t - d)] for d, t in sorted(pairs)],
    }


def run(stack: Stack) -> dict:
    url = stack.new_vhost()
    database = stack.database()
    sim = Simulator(stack, limits=False)
    port = free_port()
    load = Load(stack.linked_chats, port)
    print(f"  opening {len(load.chats)} chats in the simulator ...", flush=True)
    sim.open_chats(load.chats)
    env = dict(os.environ, RABBITMQ_URL=url, DATABASE_URL=database, TELEGRAM_BOT_TOKEN=SIM_TOKEN,
               TELEGRAM_API_URL=sim.url, TELEGRAM_WEBHOOK_SECRET=SECRET,
               GATEWAY_BIND=f"127.0.0.1:{port}", NOTIFIER_MAX_PER_SECOND="1000")
    for name in ("gateway", "data_service", "notifier"):
        stack.start(name, SERVICES[name].argv, env)
    stack.wait_http(f"http://127.0.0.1:{port}" + SERVICES["gateway"].health)

    print(f"  warm-up: {WARMUP[0]}/s for {WARMUP[1]:.0f} s ...", flush=True)
    warm = step(stack, url, sim, load, *WARMUP)
    if warm["delivered"] < warm["accepted"]:
        stack.check_alive()
        raise RuntimeError(f"warm-up: {warm['delivered']} of {warm['accepted']} replies came; "
                           f"see the logs in {stack.logs}")
    steps = []
    for rate, seconds in RATES:
        print(f"  {rate} updates/s for {seconds:.0f} s ...", flush=True)
        steps.append(step(stack, url, sim, load, rate, seconds))
        stack.check_alive()

    at_goal = next(s for s in steps if s["rate"] == GOAL_RATE)
    holds = (at_goal["missing"] == 0 and at_goal["p50_ms"] <= GOAL_P50_MS
             and at_goal["p99_ms"] <= GOAL_P99_MS)
    return {
        "title": "End to end",
        "config": {"chats": len(load.chats), "linked_chats": len(load.linked),
                   "gateway": "default gunicorn settings", "data_service_workers": 1,
                   "notifier_max_per_second": 1000, "simulator_limits": sim.limits,
                   "arrival": "open loop, fixed rate; latency from each update's due time"},
        "steps": steps,
        "summary": [{
            "benchmark": "b. end to end at 100/s",
            "goal": f"p50 <= {GOAL_P50_MS:.0f} ms, p99 <= {GOAL_P99_MS:.0f} ms",
            "measured": f"p50 {at_goal['p50_ms']:,.1f} ms, p99 {at_goal['p99_ms']:,.1f} ms"
                        + (f", {at_goal['missing']} missing" if at_goal["missing"] else ""),
            "holds": holds,
        }],
    }


def report(result: dict) -> None:
    rows = [[s["rate"], s["sent"], s["delivered"], s["missing"], s["p50_ms"], s["p90_ms"],
             s["p99_ms"], s["max_ms"], s["webhook_p50_ms"], s["webhook_p99_ms"],
             s["delivered_per_s"], s["client_lag_p99_ms"], s["most_queued_commands"],
             s["most_queued_replies"]] for s in result["steps"]]
    print_table(["updates/s", "sent", "delivered", "missing", "p50 ms", "p90 ms", "p99 ms",
                 "max ms", "200 p50 ms", "200 p99 ms", "delivered/s", "client lag p99",
                 "queued cmds", "queued replies"], rows)
    plot(result)


def plot(result: dict) -> None:
    plt = pyplot()
    steps = result["steps"]
    rates = [s["rate"] for s in steps]
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4.2))
    for key, style in (("p50_ms", "o-"), ("p90_ms", "^-"), ("p99_ms", "s-")):
        left.plot(rates, [s[key] for s in steps], style, label=key.replace("_ms", ""))
    left.plot(rates, [s["webhook_p99_ms"] for s in steps], "x:", color="tab:gray",
              label="p99 of the webhook's 200")
    left.plot([GOAL_RATE], [GOAL_P50_MS], "*", color="tab:blue", markersize=13,
              label=f"goal p50 at {GOAL_RATE}/s")
    left.plot([GOAL_RATE], [GOAL_P99_MS], "*", color="tab:green", markersize=13,
              label=f"goal p99 at {GOAL_RATE}/s")
    left.set_xlabel("updates per second (open loop)")
    left.set_ylabel("POST to sendMessage (ms)")
    left.set_yscale("log")
    left.set_xticks(rates)
    left.legend(fontsize=8)
    for s in steps:
        latencies = sorted(point[1] for point in s["series"])
        if latencies:
            middle.plot(latencies, [(i + 1) / len(latencies) for i in range(len(latencies))],
                        label=f"{s['rate']}/s")
        right.plot([p[0] for p in s["series"]], [p[1] for p in s["series"]], ".",
                   markersize=2, label=f"{s['rate']}/s")
    middle.set_xscale("log")
    middle.set_xlabel("POST to sendMessage (ms)")
    middle.set_ylabel("fraction of updates")
    middle.legend(fontsize=8)
    right.set_yscale("log")
    right.set_xlabel("seconds into the step")
    right.set_ylabel("POST to sendMessage (ms)")
    right.legend(fontsize=8, markerscale=5)
    for axis in (left, middle, right):
        axis.grid(alpha=0.3)
    fig.suptitle("End to end: webhook POST -> gateway -> data_service -> notifier -> "
                 f"sendMessage ({result.get('date', '')})")
    fig.tight_layout()
    fig.savefig(RESULTS / f"{NAME}.png", dpi=110)
    plt.close(fig)
