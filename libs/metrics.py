"""Every Prometheus metric of every service, in one place, and the small server that shows them.

Labels stay few: update kinds, actions, queues, Bot API methods and statuses, outcomes. Never a
chat, user or message id. Each service exposes what it counts (the other families stay empty):

    gateway     siades_gateway_updates_total, siades_gateway_refused_total,
                siades_gateway_publish_seconds; on its own GET /metrics (gunicorn workers
                share PROMETHEUS_MULTIPROC_DIR, see libs/serving.py)
    workers     siades_commands_total, siades_command_seconds, siades_retries_total,
                siades_dead_lettered_total, siades_apologies_total (the consumer loop in
                libs/messaging.py); data_service: siades_registration_guessed_total
    notifier    siades_telegram_calls_total, siades_telegram_call_seconds,
                siades_notifier_deliveries_total, siades_notifier_pauses_total,
                siades_notifier_paused_seconds_total, siades_dead_lettered_total
    watcher     siades_watcher_passes_total, siades_letter_requests (read at scrape time)
    console     siades_console_logins_total, siades_console_actions_total; on its own
                GET /metrics, like the gateway
Workers, the notifier, the watcher and the poller serve GET /metrics and GET /healthz on
METRICS_PORT (`serve`).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)

# The kinds of Update the Bot API sends (the field beside update_id); anything else: unknown.
UPDATE_KINDS = frozenset("""message edited_message channel_post edited_channel_post
business_connection business_message edited_business_message deleted_business_messages
message_reaction message_reaction_count inline_query chosen_inline_result callback_query
shipping_query pre_checkout_query purchased_paid_media poll poll_answer my_chat_member
chat_member chat_join_request chat_boost removed_chat_boost""".split())
FAST = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

UPDATES = Counter("siades_gateway_updates", "Telegram updates the gateway took in, by kind and "
                  "outcome (published, ignored, unavailable: not confirmed, answered 503)",
                  ["kind", "outcome"])
REFUSED = Counter("siades_gateway_refused", "Webhook requests refused before they were an "
                  "update, by reason (unauthorized, too_large, not_json, not_an_update)",
                  ["reason"])
PUBLISH_SECONDS = Histogram("siades_gateway_publish_seconds", "Seconds from the gateway's "
                            "publish of a command to the broker's confirm", buckets=FAST)
COMMANDS = Counter("siades_commands", "Messages a worker's consumer loop finished with, by "
                   "queue, action and outcome (ok, duplicate, retried, rejected, parked)",
                   ["queue", "action", "outcome"])
COMMAND_SECONDS = Histogram("siades_command_seconds", "Seconds a worker spent on one "
                            "message, by queue and action", ["queue", "action"], buckets=FAST)
RETRIES = Counter("siades_retries", "Retries scheduled through <queue>.retry", ["queue"])
DEAD_LETTERED = Counter("siades_dead_lettered", "Messages sent to <queue>.dead, by queue and "
                        "reason (rejected, parked, refused, malformed)", ["queue", "reason"])
APOLOGIES = Counter("siades_apologies", "Commands that ended in <queue>.dead, by queue and what "
                    "the resident was told (sent: an apology; repeat: died again after a "
                    "requeue, the same apology, which the notifier drops if it sent the first; "
                    "unaddressed: no chat to tell; failed: the apology could not be "
                    "published)", ["queue", "outcome"])
APOLOGY_OUTCOMES = ("sent", "repeat", "unaddressed", "failed")
TELEGRAM_CALLS = Counter("siades_telegram_calls", "Bot API calls, by method and Telegram's "
                         "answer (200, 400, 403, 429, 5xx ..., timeout, network)",
                         ["method", "status"])
TELEGRAM_SECONDS = Histogram("siades_telegram_call_seconds", "Seconds a Bot API call took, "
                             "by method", ["method"], buckets=FAST + (15.0, 30.0))
DELIVERIES = Counter("siades_notifier_deliveries", "What came of the notifier's steps, by "
                     "outcome (sent, part_sent, skipped, blocked, refused, rate_limited, "
                     "failed, database_down, broken)", ["outcome"])
PAUSES = Counter("siades_notifier_pauses", "Times the whole bot stopped sending, by reason "
                 "(rate_limited, telegram_down, database_down)", ["reason"])
PAUSED_SECONDS = Counter("siades_notifier_paused_seconds", "Seconds the whole bot was told to "
                         "wait, by reason", ["reason"])
WATCHER_PASSES = Counter("siades_watcher_passes", "The status watcher's looks at "
                         "permohonan_surat, by outcome (ok, failed)", ["outcome"])
WATCHER_CHANGES = Counter("siades_watcher_changes", "Letter status changes the watcher told "
                          "residents of")
REGISTRATION_GUESSED = Counter("siades_registration_guessed", "NIKs whose failed registrations "
                               "from all accounts reached REGISTRATION_NIK_MAX_FAILURES "
                               "within the window (the office is told in the audit log)")

CONSOLE_ACTIONS = Counter("siades_console_actions", "Staff actions on letter requests in the "
                          "console, by action and outcome (done, refused)",
                          ["action", "outcome"])
CONSOLE_LOGINS = Counter("siades_console_logins", "Staff console logins, by outcome (ok, "
                         "failed; locked: refused unchecked, too many failures for the "
                         "username or the address)", ["outcome"])

_ACTION = re.compile(r"[a-z0-9_]{1,32}\.[a-z0-9_]{1,32}")
MAX_ACTIONS = 64  # distinct action labels a process keeps; more are "other"
_actions: set[str] = set()


def update_kind(raw: object) -> str:
    """The kind of an Update dict, by its one field beside update_id; else "unknown"."""
    if isinstance(raw, dict):
        for key in raw:
            if key in UPDATE_KINDS:
                return key
    return "unknown"


def action_label(routing_key: str) -> str:
    """A command's routing key as a label, with a bound on how many distinct ones there are;
    `unknown` when the message did not say (it could not be decoded)."""
    if routing_key == "unknown":
        return routing_key
    if not _ACTION.fullmatch(routing_key):
        return "other"
    if routing_key not in _actions and len(_actions) >= MAX_ACTIONS:
        return "other"
    _actions.add(routing_key)
    return routing_key


def http_status(code: int) -> str:
    """A Bot API answer's status as a label: the codes Telegram gives meaning, else `5xx`."""
    if code in (200, 400, 401, 403, 404, 409, 429):
        return str(code)
    return f"{code // 100}xx"


@dataclass
class Handled:
    """What the consumer loop learns about the message in hand (the handler notes some)."""

    action: str = "unknown"
    outcome: str | None = None


_handled: ContextVar[Handled | None] = ContextVar("handled", default=None)


def note(**fields: str) -> None:
    """From a handler: tell the consumer loop the message's action, or outcome="duplicate"."""
    handled = _handled.get()
    if handled is not None:
        for name, value in fields.items():
            setattr(handled, name, value)


@contextmanager
def handling(queue: str) -> Iterator[Handled]:
    """Count one message of `queue` by its action and outcome, if the block sets one."""
    handled = Handled()
    token = _handled.set(handled)
    started = time.monotonic()
    try:
        yield handled
    finally:
        _handled.reset(token)
    if handled.outcome is None:
        return  # the connection went: the broker redelivers it
    action = action_label(handled.action)
    COMMANDS.labels(queue, action, handled.outcome).inc()
    COMMAND_SECONDS.labels(queue, action).observe(time.monotonic() - started)
    if handled.outcome == "retried":
        RETRIES.labels(queue).inc()
    elif handled.outcome in ("rejected", "parked"):
        DEAD_LETTERED.labels(queue, handled.outcome).inc()


def paused(reason: str, seconds: float) -> None:
    """The notifier holds every send for `seconds`, because of `reason`."""
    PAUSES.labels(reason).inc()
    PAUSED_SECONDS.labels(reason).inc(max(seconds, 0.0))


def show_from_start(*series: tuple[Counter, tuple[str, ...]]) -> None:
    """Show these label sets at 0 before anything happens, so that rate() and the dashboard
    see them from the start rather than from their first event."""
    for counter, labels in series:
        counter.labels(*labels)


def show_consumer(queue: str) -> None:
    """A worker's retry, dead-letter and apology series, at 0."""
    show_from_start((RETRIES, (queue,)), *((DEAD_LETTERED, (queue, reason))
                                          for reason in ("rejected", "parked")),
                    *((APOLOGIES, (queue, outcome)) for outcome in APOLOGY_OUTCOMES))


def show_gateway() -> None:
    """The gateway's refusal and update series, at 0."""
    show_from_start(*((REFUSED, (r,)) for r in ("unauthorized", "too_large", "not_json",
                                                "not_an_update")),
                    *((UPDATES, ("message", o)) for o in ("published", "ignored",
                                                          "unavailable")))


def show_console(actions: tuple[str, ...]) -> None:
    """The console's login and action series, at 0."""
    show_from_start(*((CONSOLE_LOGINS, (o,)) for o in ("ok", "failed", "locked")),
                    *((CONSOLE_ACTIONS, (a, o)) for a in actions for o in ("done", "refused")))


def show_notifier(queue: str) -> None:
    """The notifier's outcome, pause and dead-letter series, at 0."""
    reasons = ("rate_limited", "telegram_down", "database_down")
    show_from_start(*((DELIVERIES, (o,)) for o in ("sent", "failed", "refused", "blocked")),
                    *((PAUSES, (r,)) for r in reasons), *((PAUSED_SECONDS, (r,)) for r in reasons),
                    *((DEAD_LETTERED, (queue, r)) for r in ("malformed", "refused", "parked")))


class LetterStates:
    """`siades_letter_requests{state}`: permohonan_surat rows by state, counted at scrape time
    (one GROUP BY a scrape). Every watcher shows the same totals: aggregate with max."""

    NAME = "siades_letter_requests"
    HELP = "Letter requests (permohonan_surat rows) by state, read at scrape time"

    def __init__(self, count: Callable[[], dict[str, int]]):
        self._count = count

    def describe(self):
        yield GaugeMetricFamily(self.NAME, self.HELP, labels=["state"])

    def collect(self):
        family = GaugeMetricFamily(self.NAME, self.HELP, labels=["state"])
        try:
            counts = self._count()
        except Exception as exc:  # noqa: BLE001 - the database away: no samples this scrape
            log.warning("cannot count letter requests for /metrics (%s)", type(exc).__name__)
            counts = {}
        for state, number in sorted(counts.items()):
            family.add_metric([state], number)
        yield family


def exposition() -> bytes:
    """The text /metrics answers: every process's samples in multiprocess mode, else ours."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


Health = Callable[[], tuple[bool, str]]


class _Handler(BaseHTTPRequestHandler):
    health: Health

    def do_GET(self):  # noqa: N802 - the name http.server calls
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._answer(200, exposition(), CONTENT_TYPE_LATEST)
        elif path == "/healthz":
            try:
                healthy, reason = type(self).health()
            except Exception as exc:  # noqa: BLE001 - a failing check is an unhealthy answer
                healthy, reason = False, f"health check failed: {type(exc).__name__}"
            self._answer(200 if healthy else 503, f"{reason}\n".encode())
        else:
            self._answer(404, b"not found\n")

    def _answer(self, status: int, body: bytes, ctype: str = "text/plain; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args) -> None:
        pass  # a scrape every few seconds is not news


class MetricsServer:
    """GET /metrics and GET /healthz on `port` (all interfaces: Prometheus scrapes from
    elsewhere), answered by a daemon thread until close()."""

    def __init__(self, port: int, health: Health):
        handler = type("Handler", (_Handler,), {"health": staticmethod(health)})
        self._server = ThreadingHTTPServer(("", port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="metrics",
                                        daemon=True)
        self._thread.start()
        log.info("metrics and health on port %d", self.port)

    def close(self) -> None:
        """Stop answering and free the port."""
        self._server.shutdown()
        self._server.server_close()


def serve(port: int, health: Health) -> MetricsServer | None:
    """A MetricsServer on METRICS_PORT `port`, or None when it is 0."""
    return MetricsServer(port, health) if port > 0 else None


def close(server: MetricsServer | None) -> None:
    """Close what serve() started, if it started anything."""
    if server is not None:
        server.close()
