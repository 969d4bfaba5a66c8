"""The status watcher: every status change of a `permohonan_surat` row reaches its resident once.

Whoever made the change (our console, OpenSID's own admin pages, a direct UPDATE), the watcher
finds it by comparing each row's status with `bot_letter_status`, its memory of what the
resident was last told. For each change, one transaction records the new status, a
`bot_letter_transitions` row (the service-time figures) and the messages in `bot_outbox`; the
messages are published after commit, like a worker's replies. So a watcher killed at any point
neither repeats a message (the memory moved with the messages) nor misses one (unpublished
messages are published at the next start). A second watcher racing for the same change loses on
the memory row and sends nothing.

    first sight of a request         remembered, nobody told (the request itself was answered)
    status changed                   "Permohonan ... : <state>", what it means and what to do next
    changed to 0 (Belum Lengkap)     what is missing, with the button to complete it in the chat
    changed to 5                     a rejection (the reason), the resident's cancellation, or
                                     an issued letter withdrawn (its PDF no longer valid)
    changed to 3 with our PDF        the message, then the PDF (sendDocument) with a caption

In the same loop, complaint_watch.py tells residents the answers to their complaints, and
staff_alerts.py tells the office's linked Telegram chats of new and overdue work.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from libs import metrics, runtime, texts, topology
from libs.config import Settings
from libs.contracts import Outgoing, encode
from libs.formatting import value
from libs.logs import correlated
from libs.outbox import publish_pending
from libs.publishing import Publisher
from libs.siades.bot_models import LetterDocument, LetterStatusSeen, LetterTransition, OutboxEntry
from libs.siades.coltypes import utcnow
from libs.siades.letter_forms import kind_of
from libs.siades.letters import LetterRequest
from libs.siades.models import Resident
from libs.vocabulary.states import RequestState
from services.letter_service import complaint_watch, letter_requests, revocations, staff_alerts
from services.letter_service.submission import complete_button

log = logging.getLogger(__name__)

INTERVAL = 2.0  # seconds between looks at permohonan_surat
BATCH = 200
HEALTHY_WITHIN = 30.0  # seconds since the last good look, for /healthz
STATE_LABELS = {state: state.metric_label for state in RequestState}


def correlation_id(request_id: int, status: int) -> str:
    """The correlation id of what the watcher does about request `request_id` reaching
    `status`: its log lines and the messages it sends."""
    return f"letter-{request_id}-s{status}"


def count_by_state(factory: sessionmaker) -> dict[str, int]:
    """permohonan_surat rows by state label (every known state, 0 when none)."""
    with factory() as session:
        rows = list(session.execute(
            select(LetterRequest.status, func.count()).group_by(LetterRequest.status)))
    counts = dict.fromkeys(STATE_LABELS.values(), 0)
    for status, number in rows:
        label = STATE_LABELS.get(status, "other")
        counts[label] = counts.get(label, 0) + number
    return counts


def changed_requests(session: Session) -> list[tuple[int, int, int | None]]:
    """(request id, status now, status last told) of every request whose status moved."""
    rows = session.execute(
        select(LetterRequest.id, LetterRequest.status, LetterStatusSeen.status)
        .outerjoin(LetterStatusSeen, LetterStatusSeen.request_id == LetterRequest.id)
        .where(or_(LetterStatusSeen.request_id.is_(None),
                   LetterStatusSeen.status != LetterRequest.status))
        .order_by(LetterRequest.id).limit(BATCH)
    )
    return [tuple(row) for row in rows]


def note_change(factory: sessionmaker, request_id: int, status: int, told: int | None,
                now: datetime) -> list[OutboxEntry]:
    """Remember one change and store its messages, in one transaction; returns the messages."""
    try:
        with factory.begin() as session:
            if told is None:
                session.add(LetterStatusSeen(request_id=request_id, status=status, seen_at=now))
                session.flush()  # a racing watcher fails here, on the primary key
                return []
            moved = session.execute(
                update(LetterStatusSeen)
                .where(LetterStatusSeen.request_id == request_id, LetterStatusSeen.status == told)
                .values(status=status, seen_at=now))
            if moved.rowcount != 1:
                return []  # another watcher took this change
            transition = LetterTransition(request_id=request_id, from_status=told,
                                          to_status=status, seen_at=now)
            session.add(transition)
            session.flush()
            entries = [_entry(message, transition, now)
                       for message in messages_for(session, request_id, transition.id)]
            session.add_all(entries)
        return entries
    except IntegrityError:
        return []


def messages_for(session: Session, request_id: int, transition_id: int) -> list[Outgoing]:
    """What the resident is told about this change; nothing if they have no linked chat."""
    request = session.get(LetterRequest, request_id)
    resident = session.get(Resident, request.resident_id) if request else None
    if request is None or resident is None or not (resident.telegram or "").isdigit():
        return []
    chat_id = int(resident.telegram)
    kind = kind_of(session, request)
    title = kind.title if kind else texts.LETTER_UNNAMED
    document = session.get(LetterDocument, request_id)
    with_pdf = request.status == RequestState.READY and document is not None
    text = texts.LETTER_STATE_CHANGED.format(
        title=title, number=request.id, state=letter_requests.state_name(session, request),
        detail=_detail(session, request, with_pdf))
    keyboard = {"inline_keyboard": [[complete_button(request)]]} \
        if request.status == RequestState.INCOMPLETE else texts.MAIN_MENU
    base = f"letter-{request_id}-{transition_id}"
    correlation = correlation_id(request_id, request.status)
    messages = [Outgoing(message_id=f"{base}:0", chat_id=chat_id, text=text,
                         reply_markup=keyboard, correlation_id=correlation)]
    if with_pdf:
        messages.append(Outgoing(
            message_id=f"{base}:1", chat_id=chat_id, method="sendDocument",
            text=texts.LETTER_DOCUMENT_CAPTION.format(title=title, number=value(document.number)),
            document={"letter_request_id": request_id, "file_name": document.file_name},
            correlation_id=correlation))
    return messages


def _detail(session: Session, request: LetterRequest, with_pdf: bool) -> str:
    """What the change means for the resident, and what they can do next."""
    if with_pdf:
        return texts.LETTER_READY_WITH_PDF
    end = letter_requests.ending(session, request)
    if end is not None:
        said = letter_requests.reason(session, request)
        return texts.LETTER_ENDINGS[end].format(
            reason=value(said) if said else texts.LETTER_REASON_UNSAID)
    if request.status == RequestState.INCOMPLETE:
        said = letter_requests.office_message(session, request)
        return texts.LETTER_STATE_DETAILS[RequestState.INCOMPLETE].format(
            reason=value(said) if said else texts.LETTER_INCOMPLETE_UNSAID)
    return texts.LETTER_STATE_DETAILS.get(request.status, "")


def _entry(message: Outgoing, transition: LetterTransition, now: datetime) -> OutboxEntry:
    return OutboxEntry(message_id=message.message_id,
                       source_message_id=f"letter-transition-{transition.id}",
                       routing_key=topology.OUTBOX_ROUTING_KEY, payload=encode(message).decode(),
                       created_at=now)


def unpublished(session: Session) -> list[OutboxEntry]:
    """The watcher's messages stored but not yet published (a crash between the two): status
    changes, complaint answers, staff alerts; and the staff console's (unlink, relink, unlock),
    which the watcher publishes for it."""
    return list(session.scalars(
        select(OutboxEntry)
        .where(or_(OutboxEntry.source_message_id.like("letter-transition-%"),
                   OutboxEntry.source_message_id.like(complaint_watch.unpublished_pattern()),
                   OutboxEntry.source_message_id.like(staff_alerts.unpublished_pattern()),
                   OutboxEntry.source_message_id.like("console-%")),
               OutboxEntry.published_at.is_(None))
        .order_by(OutboxEntry.id)))


def watch_once(factory: sessionmaker, publisher) -> int:
    """Publish what an earlier look stored but could not publish, then look once; returns how
    many changes were noted."""
    with factory() as session:
        leftover = unpublished(session)
        changes = changed_requests(session)
    publish_pending(factory, publisher, leftover)
    noted = 0
    for request_id, status, told in changes:
        with correlated(correlation_id(request_id, status)):
            entries = note_change(factory, request_id, status, told, utcnow())
            publish_pending(factory, publisher, entries)
            if entries:
                log.info("request %d: status %s -> %s, %d message%s", request_id, told,
                         status, len(entries), "" if len(entries) == 1 else "s")
        noted += told is not None
    return noted


class Watcher:
    """Looks every INTERVAL seconds until stopped."""

    def __init__(self, settings: Settings, factory: sessionmaker, publisher):
        self.settings, self.factory, self.publisher = settings, factory, publisher
        self.complaints = complaint_watch.ComplaintWatch(factory, publisher,
                                                         settings.opensid_pengaduan_dir)
        self._stop = threading.Event()
        self.last_ok = time.monotonic()  # the last good look (starting counts as one)

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                noted = watch_once(self.factory, self.publisher)
                revocations.publish_withdrawn(self.factory, self.publisher,
                                              self.settings.timezone)
                self.complaints.watch_once()
                staff_alerts.alert_once(self.factory, self.publisher, self.settings, utcnow())
                if noted:
                    log.info("%d status change%s told", noted, "" if noted == 1 else "s")
                self.last_ok = time.monotonic()
                metrics.WATCHER_PASSES.labels("ok").inc()
                metrics.WATCHER_CHANGES.inc(noted)
            except OperationalError as exc:
                log.warning("database unavailable (%s); looking again shortly", exc.orig)
                metrics.WATCHER_PASSES.labels("failed").inc()
            except Exception:  # the broker away, say: stay up, the next look retries
                log.exception("watching failed; looking again shortly")
                metrics.WATCHER_PASSES.labels("failed").inc()
            self._stop.wait(INTERVAL)

    def health(self) -> tuple[bool, str]:
        """For /healthz: whether a look went well lately and the broker is reachable."""
        age = time.monotonic() - self.last_ok
        if age > HEALTHY_WITHIN:
            return False, f"no good look at permohonan_surat for {age:.0f} s"
        if not self.publisher.is_reachable():
            return False, "broker unreachable"
        return True, f"looked {age:.0f} s ago; broker reachable"

    def stop(self, *_args) -> None:
        self._stop.set()


def serve() -> None:
    """`python -m services.letter_service watch`: until SIGTERM/SIGINT."""
    with runtime.started("letter_watcher") as process:
        factory = process.database().sessions
        publisher = process.closing(Publisher(process.settings, name="letter_watcher"))
        watcher = Watcher(process.settings, factory, publisher)
        log.info("watching permohonan_surat every %.0f s", INTERVAL)
        metrics.REGISTRY.register(metrics.LetterStates(lambda: count_by_state(factory)))
        metrics.show_from_start((metrics.WATCHER_PASSES, ("ok",)),
                                (metrics.WATCHER_PASSES, ("failed",)))
        process.run(watcher.run, stop=watcher.stop, health=watcher.health)
