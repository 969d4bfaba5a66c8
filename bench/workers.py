"""d. data_service commands/s with 1, 2 and 4 worker processes.

For each count: a fresh vhost and a fresh copy of the seeded database, the command queue
filled with Biodata / Keluarga commands of linked residents, then the workers started and
timed until every command's reply is in the outbox queue (no notifier: the replies stay
there, and their count is what is measured). The rate is taken between 10% and 90% of the
replies, once every worker consumes, so start-up and the last stragglers do not count.
"""

from __future__ import annotations

import os
import time

from bench.common import RESULTS, print_table, pyplot
from bench.stack import Stack, fill, process_tree_cpu, queue_state
from libs import topology
from libs.contracts import Command, command_message_id, encode
from tools.supervisor import SERVICES

NAME = "workers"
WORKER_COUNTS = (1, 2, 4)
COMMANDS = 1000
POLL = 0.1
TIMEOUT = 120.0


def commands(chats: list[int], first_update: int) -> list[Command]:
    """COMMANDS commands, Biodata and Keluarga in turn, over the linked chats."""
    out = []
    for i in range(COMMANDS):
        update_id = first_update + i
        action = ("biodata", "keluarga")[i % 2]
        chat = chats[i % len(chats)]
        out.append(Command(message_id=command_message_id(update_id), update_id=update_id,
                           service="data", action=action, chat_id=chat, user_id=chat,
                           text=action.capitalize(), first_name="Warga", language="id",
                           sent_at=int(time.time())))
    return out


def measure(stack: Stack, workers: int, first_update: int) -> dict:
    """Fill the queue, start `workers` processes, follow the outbox until all replies are in."""
    url = stack.new_vhost()
    env = dict(os.environ, RABBITMQ_URL=url, DATABASE_URL=stack.database())
    with stack.channel(url) as channel:
        fill(channel, topology.COMMANDS_EXCHANGE,
             [(c.routing_key, encode(c), c.message_id)
              for c in commands(stack.linked_chats, first_update)], topology.DATA_QUEUE)
        names = [f"data_service-{n}" for n in range(1, workers + 1)]
        started = time.perf_counter()
        pids = [stack.start(name, SERVICES["data_service"].argv, env).pid for name in names]
        series, cpu = [], {}
        while True:
            now = time.perf_counter() - started
            depth, consumers = queue_state(channel, topology.DATA_QUEUE)
            replies, _ = queue_state(channel, topology.NOTIFIER_QUEUE)
            series.append([round(now, 2), depth, consumers, replies])
            if consumers == workers and "start" not in cpu:
                cpu["start"] = (now, sum(process_tree_cpu(p) for p in pids),
                                process_tree_cpu(stack.node.process.pid))
            if replies >= COMMANDS or now > TIMEOUT:
                break
            stack.check_alive()
            time.sleep(POLL)
        if "start" in cpu:
            begun, workers_cpu, broker_cpu = cpu["start"]
            span = now - begun
            workers_cores = (sum(process_tree_cpu(p) for p in pids) - workers_cpu) / span
            broker_cores = (process_tree_cpu(stack.node.process.pid) - broker_cpu) / span
        else:
            workers_cores = broker_cores = float("nan")
    for name in names:
        stack.stop(name)
    return {"workers": workers, "replies": series[-1][3], **window(series, workers),
            "workers_cores": round(workers_cores, 2), "broker_cores": round(broker_cores, 2),
            "series": series}


def window(series: list[list], workers: int) -> dict:
    """Commands/s between 10% and 90% of the replies, counted once all workers consume."""
    all_in = next((row for row in series if row[2] == workers), None)
    low = next((row for row in series if row[3] >= 0.1 * COMMANDS
                and all_in and row[0] >= all_in[0]), None)
    high = next((row for row in series if row[3] >= 0.9 * COMMANDS), None)
    first = next((row for row in series if row[3] > 0), None)
    last = series[-1]
    rate = (high[3] - low[3]) / (high[0] - low[0]) if low and high and high[0] > low[0] \
        else float("nan")
    overall = last[3] / (last[0] - first[0]) if first and last[0] > first[0] else float("nan")
    return {"rate": round(rate, 1), "overall_rate": round(overall, 1),
            "all_consuming_s": all_in[0] if all_in else None,
            "drained_s": last[0]}


def run(stack: Stack) -> dict:
    runs = []
    for n, workers in enumerate(WORKER_COUNTS):
        print(f"  {workers} worker{'s' if workers > 1 else ''}: {COMMANDS} commands ...",
              flush=True)
        runs.append(measure(stack, workers, 3_000_000 + n * COMMANDS))
    base = runs[0]["rate"]
    for entry in runs:
        entry["speedup"] = round(entry["rate"] / base, 2)
    best = max(runs, key=lambda r: r["rate"])
    return {
        "title": "data_service workers",
        "config": {"commands": COMMANDS, "mix": "Biodata and Keluarga of linked residents",
                   "database": "SQLite (WAL), one file shared by the workers",
                   "prefetch": os.environ.get("PREFETCH", "1"), "notifier": "not running"},
        "runs": runs,
        "summary": [{
            "benchmark": "d. data_service workers",
            "goal": "none set (how far more workers help)",
            "measured": ", ".join(f"{r['workers']}: {r['rate']:.0f}/s" for r in runs)
                        + f" (best x{best['speedup']:.1f} with {best['workers']})",
            "holds": None,
        }],
    }


def report(result: dict) -> None:
    print_table(["workers", "commands/s", "speedup", "overall/s", "all consuming s",
                 "drained s", "replies", "worker cores", "broker cores"],
                [[r["workers"], r["rate"], r["speedup"], r["overall_rate"],
                  r["all_consuming_s"], r["drained_s"], r["replies"], r["workers_cores"],
                  r["broker_cores"]] for r in result["runs"]])
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for r in result["runs"]:
        left.plot([row[0] for row in r["series"]], [row[3] for row in r["series"]],
                  label=f"{r['workers']} worker{'s' if r['workers'] > 1 else ''}")
    left.set_xlabel("seconds since the workers were started")
    left.set_ylabel("replies in the outbox queue")
    left.legend(fontsize=8)
    labels = [str(r["workers"]) for r in result["runs"]]
    bars = right.bar(labels, [r["rate"] for r in result["runs"]], color="tab:blue", alpha=0.8)
    for bar, r in zip(bars, result["runs"], strict=True):
        right.annotate(f"{r['rate']:.0f}/s (x{r['speedup']:.2f})",
                       (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                       ha="center", va="bottom", fontsize=8)
    right.set_xlabel("data_service processes")
    right.set_ylabel("commands per second (10%-90%)")
    for axis in (left, right):
        axis.grid(alpha=0.3)
    fig.suptitle(f"data_service: {result['config']['commands']:,} Biodata/Keluarga commands, "
                 f"SQLite ({result.get('date', '')})")
    fig.tight_layout()
    fig.savefig(RESULTS / f"{NAME}.png", dpi=110)
    plt.close(fig)
