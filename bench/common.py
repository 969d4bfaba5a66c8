"""Shared by the benchmarks: Telegram updates, percentiles, the machine, results and plots."""

from __future__ import annotations

import json
import math
import os
import platform
import re
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = RESULTS.parents[1]


def update_json(update_id: int, user_id: int, text: str) -> bytes:
    """A private text message as Telegram's webhook delivers it (a /command with its entity)."""
    user = {"id": user_id, "is_bot": False, "first_name": "Warga", "last_name": "Desa",
            "language_code": "id"}
    message = {"message_id": update_id % 1_000_000 + 1, "from": user,
               "chat": {"id": user_id, "first_name": "Warga", "last_name": "Desa",
                        "type": "private"},
               "date": int(time.time()), "text": text}
    if text.startswith("/"):
        message["entities"] = [{"offset": 0, "length": len(text.split()[0]),
                                "type": "bot_command"}]
    return json.dumps({"update_id": update_id, "message": message},
                      separators=(",", ":")).encode()


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def machine(broker: dict | None = None) -> dict:
    """What the figures were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": model, "cores": os.cpu_count(), "memory_gb": round(memory_gb, 1),
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), **(broker or {})}


def fsync_ms(directory: Path, writes: int = 50) -> float:
    """Median time of a 4 kB write + fsync in `directory` (what each commit and each
    persistent-message confirm waits for at least)."""
    path = directory / "fsync-probe"
    times = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for _ in range(writes):
            os.write(fd, b"x" * 4096)
            started = time.perf_counter()
            os.fsync(fd)
            times.append(time.perf_counter() - started)
    finally:
        os.close(fd)
        path.unlink()
    return round(percentile(times, 50) * 1000, 2)


def commit() -> str:
    """The checked-out commit, with `+dirty` when the tree has changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def save(name: str, result: dict) -> dict:
    """Write results/<name>.json with the date and commit added; return what was written."""
    RESULTS.mkdir(exist_ok=True)
    result = {"name": name, "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
              "commit": commit(), **result}
    text = json.dumps(result, indent=2)
    # lists of plain numbers on one line each: the samples stay readable and the file small
    text = re.sub(r"\[\s+([-\d.e,\s]+?)\s+\]",
                  lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    (RESULTS / f"{name}.json").write_text(text + "\n")
    return result


def pyplot():
    """matplotlib.pyplot on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def print_table(headers: list[str], rows: list[list]) -> None:
    """A plain aligned table on stdout."""
    cells = [[str(h) for h in headers]] + [[_cell(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  " + "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))
    print(flush=True)


def _cell(value) -> str:
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:,.1f}"
    return str(value)


def ms(seconds: float) -> float:
    """Seconds as milliseconds rounded to 0.1."""
    return round(seconds * 1000, 1)
