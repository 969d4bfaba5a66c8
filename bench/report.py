"""`python -m bench report`: rewrite the generated parts of docs/PERFORMANCE.md from
bench/results/*.json: the machine, the summary table and each benchmark's table.

Each part sits between `<!-- bench:PART -->` and `<!-- /bench:PART -->`; the prose around
them is left alone.
"""

from __future__ import annotations

import json
import math
import re

from bench.common import RESULTS, ROOT

DOC = ROOT / "docs" / "PERFORMANCE.md"
ORDER = ("ingest", "e2e", "notifier", "workers")


def load() -> dict[str, dict]:
    """The saved results, by benchmark name."""
    found = {}
    for name in ORDER:
        path = RESULTS / f"{name}.json"
        if path.exists():
            found[name] = json.loads(path.read_text())
    return found


def table(headers: list[str], rows: list[list]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def machine(results: dict[str, dict]) -> str:
    """Where and when the figures were measured."""
    first = next(iter(results.values()))
    m = first.get("machine", {})
    runs = [f"{name} {r['date']} ({r.get('seconds', 0):.0f} s, load "
            f"{r.get('load_before', '?')} -> {r.get('load_after', '?')})"
            for name, r in results.items()]
    return "\n".join([
        f"- CPU: {m.get('cpu', '?')}, {m.get('cores', '?')} cores; "
        f"{m.get('memory_gb', '?')} GB memory; {m.get('os', '?')}",
        f"- Python {m.get('python', '?')}, RabbitMQ {m.get('rabbitmq', '?')} "
        f"(Erlang {m.get('erlang', '?')}), SQLite databases on local disk "
        f"(fsync p50 {m.get('fsync_ms', '?')} ms)",
        f"- Commit {first.get('commit', '?')}; runs: " + "; ".join(runs),
        "- Load is the 1-minute load average before and after each benchmark: other work on "
        "the machine shows there.",
    ])


def summary(results: dict[str, dict]) -> str:
    """One row per benchmark goal."""
    rows = [[row["benchmark"], row["goal"], row["measured"], row["holds"]]
            for r in results.values() for row in r.get("summary", [])]
    return table(["benchmark", "goal", "measured", "holds?"], rows)


def ingest(r: dict) -> str:
    rows = []
    for level in r["levels"]:
        b, g = level["bare"], level["gateway"]
        rows.append([level["clients"], b["rate"], g["rate"], f"{level['ratio']:.0%}",
                     b["p50_ms"], b["p99_ms"], g["p50_ms"], g["p99_ms"], g["non_200"],
                     f"{b['server_cores']:.2f} / {g['server_cores']:.2f}",
                     f"{b.get('server_cpu_us', '?')} / {g.get('server_cpu_us', '?')}",
                     f"{g['broker_cores']:.2f}"])
    ceiling = ", ".join(f"{c['rate']:,.0f}/s with {c['clients']} clients"
                        for c in r["ceiling"])
    client = max(lv[t]["client_cores"] for lv in r["levels"] for t in ("bare", "gateway"))
    return table(["clients", "bare ok/s", "gateway ok/s", "gateway / bare", "bare p50 ms",
                  "bare p99 ms", "gateway p50 ms", "gateway p99 ms", "gateway non-200",
                  "server cores bare / gateway", "server CPU µs per 200 bare / gateway",
                  "broker cores (gateway)"], rows) + (
        f"\n\nLoad generator ceiling (a server answering from memory): {ceiling}; the client "
        f"used at most {client:.2f} cores during the runs. Updates found in the queue: "
        f"{r['confirmed_in_queue']:,}, for {r['gateway_200s']:,} answers 200 (warm-up "
        "included).")


def e2e(r: dict) -> str:
    rows = [[s["rate"], s["sent"], s["delivered"], s["missing"], s["p50_ms"], s["p90_ms"],
             s["p99_ms"], s["max_ms"], s["webhook_p50_ms"], s["webhook_p99_ms"],
             s["delivered_per_s"], s.get("most_queued_commands"),
             s.get("most_queued_replies")] for s in r["steps"]]
    return table(["updates/s", "sent", "delivered", "missing", "p50 ms", "p90 ms", "p99 ms",
                  "max ms", "webhook 200 p50 ms", "webhook 200 p99 ms", "delivered/s",
                  "most commands queued", "most replies queued"], rows)


def notifier(r: dict) -> str:
    c = r["config"]
    return table(["messages", "chats", "sent", "over s", "rate/s", "of cap", "busiest 1 s",
                  "429s", "min gap in a chat s", "gaps < 1 s", "chat order kept"],
                 [[c["messages"], c["chats"], r["sent"], r["span_s"], r["rate"],
                   f"{r['rate_of_cap']:.0%}", r["busiest_second"], r["calls_429"],
                   r["min_chat_gap_s"], r["gaps_under_1s"], r["chat_order_kept"]]])


def workers(r: dict) -> str:
    return table(["workers", "commands/s (10%-90%)", "speedup", "overall/s",
                  "all consuming after s", "drained after s", "worker cores", "broker cores"],
                 [[w["workers"], w["rate"], f"x{w['speedup']:.2f}", w["overall_rate"],
                   w["all_consuming_s"], w["drained_s"], w["workers_cores"],
                   w["broker_cores"]] for w in r["runs"]])


def replace(text: str, part: str, body: str) -> str:
    """Put `body` between the part's markers; unchanged (with a warning) if they are absent."""
    start, end = f"<!-- bench:{part} -->", f"<!-- /bench:{part} -->"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        print(f"  {DOC.name} has no {start} markers; left alone")
        return text
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", text)


def main() -> None:
    """Rewrite the generated parts of docs/PERFORMANCE.md."""
    results = load()
    if not results:
        raise SystemExit("no results in bench/results/: run `python -m bench` first")
    text = DOC.read_text()
    text = replace(text, "machine", machine(results))
    text = replace(text, "summary", summary(results))
    for name, render in (("ingest", ingest), ("e2e", e2e), ("notifier", notifier),
                         ("workers", workers)):
        if name in results:
            text = replace(text, name, render(results[name]))
    DOC.write_text(text)
    print(f"  {DOC.relative_to(ROOT)}: summary of {', '.join(results)}")
    print(summary(results))
