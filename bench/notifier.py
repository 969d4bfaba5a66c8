"""c. Notifier pace: a 3,000-message announcement to 1,000 chats, the notifier on its defaults
against the simulator enforcing Telegram's limits: achieved rate against the 30/s cap, 429s,
the shortest gap between two messages to one chat.

The outbox is filled before the notifier starts, resident by resident (each chat's three parts
one after another, as a broadcast loop over residents would publish them), so the notifier
has to interleave chats to keep the bot busy while each chat waits its second.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict

from bench.common import RESULTS, print_table, pyplot
from bench.sim import Simulator
from bench.stack import Stack, fill
from libs import topology
from libs.config import Settings
from libs.contracts import Outgoing, encode
from tools.supervisor import SERVICES, SIM_TOKEN

NAME = "notifier"
CHATS, PARTS = 1000, 3
CHAT_BASE = 7_500_000
GOAL = 0.95  # of the cap
PARTS_TEXT = (
    "<b>Pengumuman Desa ({part}/3)</b>\nPenyaluran BPNT bulan ini dilaksanakan hari Sabtu "
    "pukul 08.00 WIB di Balai Desa.",
    "<b>Pengumuman Desa ({part}/3)</b>\nHarap membawa KTP dan Kartu Keluarga asli. "
    "Pengambilan tidak dapat diwakilkan kecuali dengan surat kuasa.",
    "<b>Pengumuman Desa ({part}/3)</b>\nInformasi lebih lanjut: kantor desa, Senin-Jumat "
    "pukul 08.00-14.00. Ketik <i>Menu</i> untuk layanan lain.",
)


def announcement(run_id: str) -> list[Outgoing]:
    """Three parts to each chat, chat by chat."""
    return [Outgoing(message_id=f"ann-{run_id}-{chat}-{part}", chat_id=chat,
                     text=PARTS_TEXT[part - 1].format(part=part),
                     correlation_id=f"ann-{run_id}")
            for chat in range(CHAT_BASE, CHAT_BASE + CHATS) for part in range(1, PARTS + 1)]


def analyse(calls: list[dict], cap: float) -> dict:
    """Rate, 429s, bursts and per-chat gaps from the simulator's log of calls."""
    sends = [c for c in calls if c["method"] == "sendMessage"]
    ok = [c for c in sends if c["status"] == 200]
    times = [c["time"] for c in ok]
    first, last = (times[0], times[-1]) if times else (0.0, 0.0)
    by_chat = defaultdict(list)
    for call in ok:
        by_chat[call["chat_id"]].append(call)
    gaps = [b["time"] - a["time"] for chat in by_chat.values()
            for a, b in zip(chat, chat[1:], strict=False)]
    in_order = all(
        [c["params"]["text"] for c in chat] == sorted(c["params"]["text"] for c in chat)
        for chat in by_chat.values())
    # the most sends in any one-second window (what Telegram's limit is about)
    busiest, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        busiest = max(busiest, end - start + 1)
    rate = (len(times) - 1) / (last - first) if len(times) > 1 else 0.0
    return {
        "sent": len(ok), "calls_429": sum(1 for c in sends if c["status"] == 429),
        "other_errors": sum(1 for c in sends if c["status"] not in (200, 429)),
        "span_s": round(last - first, 2), "rate": round(rate, 2),
        "rate_of_cap": round(rate / cap, 3), "busiest_second": busiest,
        "chats": len(by_chat), "min_chat_gap_s": round(min(gaps, default=float("nan")), 3),
        "gaps_under_1s": sum(1 for g in gaps if g < 1.0), "chat_order_kept": in_order,
        "sent_at": [round(t - first, 3) for t in times],
        "429_at": [round(c["time"] - first, 3) for c in sends if c["status"] == 429],
        "chat_gaps": [round(g, 3) for g in gaps],
    }


def run(stack: Stack) -> dict:
    url = stack.new_vhost()
    database = stack.database()
    settings = Settings.from_env()
    cap = settings.notifier_max_per_second
    sim = Simulator(stack, limits=True)
    chats = list(range(CHAT_BASE, CHAT_BASE + CHATS))
    print(f"  opening {CHATS} chats in the simulator ...", flush=True)
    sim.open_chats(chats)
    messages = announcement(url.rsplit("/", 1)[1])
    print(f"  publishing {len(messages)} messages to {topology.OUTBOX_EXCHANGE} ...", flush=True)
    with stack.channel(url) as channel:
        fill(channel, topology.OUTBOX_EXCHANGE,
             [(topology.OUTBOX_ROUTING_KEY, encode(m), m.message_id) for m in messages],
             topology.NOTIFIER_QUEUE)
    after = sim.last_seq()
    env = dict(os.environ, RABBITMQ_URL=url, DATABASE_URL=database, TELEGRAM_BOT_TOKEN=SIM_TOKEN,
               TELEGRAM_API_URL=sim.url)
    timeout = len(messages) / cap * 1.3 + 20
    print(f"  notifier: {len(messages)} messages at <= {cap:g}/s "
          f"(about {len(messages) / cap:.0f} s; giving up after {timeout:.0f} s) ...",
          flush=True)
    started = time.monotonic()
    stack.start("notifier", SERVICES["notifier"].argv, env)
    calls = sim.wait_sent(after, len(messages), timeout)
    waited = time.monotonic() - started
    stack.stop("notifier")
    measured = analyse(calls, cap)
    holds = (measured["sent"] == len(messages) and measured["rate_of_cap"] >= GOAL
             and measured["calls_429"] == 0)
    return {
        "title": "Notifier pace",
        "config": {"messages": len(messages), "chats": CHATS, "parts_per_chat": PARTS,
                   "order": "chat by chat (each chat's parts consecutive)",
                   "notifier_max_per_second": cap,
                   "notifier_per_chat_per_second": settings.notifier_per_chat_per_second,
                   "notifier_concurrency": settings.notifier_concurrency,
                   "simulator_limits": sim.limits, "waited_s": round(waited, 1)},
        **measured,
        "summary": [{
            "benchmark": "c. notifier pace (3,000 to 1,000 chats)",
            "goal": f">= {GOAL:.0%} of the {cap:g}/s cap, no 429",
            "measured": f"{measured['rate']:.1f}/s ({measured['rate_of_cap']:.0%}), "
                        f"{measured['calls_429']} x 429, {measured['sent']:,} sent, "
                        f"min chat gap {measured['min_chat_gap_s']:.2f} s",
            "holds": holds,
        }],
    }


def report(result: dict) -> None:
    cap = result["config"]["notifier_max_per_second"]
    print_table(["sent", "seconds", "rate/s", "of cap", "busiest 1 s", "429s", "other errors",
                 "min chat gap s", "gaps < 1 s", "chat order kept"],
                [[result["sent"], result["span_s"], result["rate"],
                  f"{result['rate_of_cap']:.0%}", result["busiest_second"], result["calls_429"],
                  result["other_errors"], result["min_chat_gap_s"], result["gaps_under_1s"],
                  result["chat_order_kept"]]])
    plt = pyplot()
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4.2))
    sent_at = result["sent_at"]
    span = max(sent_at, default=0.0)
    left.plot(sent_at, range(1, len(sent_at) + 1), color="tab:blue", label="sent (200)")
    left.plot([0, span], [0, cap * span], ":", color="tab:red", label=f"cap {cap:g}/s")
    left.plot([0, span], [0, GOAL * cap * span], ":", color="tab:orange",
              label=f"goal {GOAL:.0%} of cap")
    if result["429_at"]:
        left.plot(result["429_at"], [0] * len(result["429_at"]), "x", color="black",
                  label=f"429 ({result['calls_429']})")
    left.set_xlabel("seconds since the first send")
    left.set_ylabel("messages sent")
    left.legend(fontsize=8)
    per_second = [0] * (int(span) + 1)
    for moment in sent_at:
        per_second[int(moment)] += 1
    middle.bar(range(len(per_second)), per_second, width=1.0, color="tab:blue", alpha=0.7)
    middle.axhline(cap, color="tab:red", linestyle=":", label=f"cap {cap:g}/s")
    middle.set_xlabel("second")
    middle.set_ylabel("messages in that second")
    middle.legend(fontsize=8)
    right.hist(result["chat_gaps"], bins=40, color="tab:blue", alpha=0.7)
    right.axvline(1.0, color="tab:red", linestyle=":", label="1 s per chat")
    right.set_xlabel("gap between two messages to one chat (s)")
    right.set_ylabel("gaps")
    right.legend(fontsize=8)
    for axis in (left, middle, right):
        axis.grid(alpha=0.3)
    fig.suptitle(f"Notifier pace: {result['config']['messages']:,} messages to "
                 f"{result['config']['chats']:,} chats, simulator limits "
                 f"{result['config']['simulator_limits']} ({result.get('date', '')})")
    fig.tight_layout()
    fig.savefig(RESULTS / f"{NAME}.png", dpi=110)
    plt.close(fig)
