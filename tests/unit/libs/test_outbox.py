"""Exactly-once processing on SQLite: inbox, outbox, publish after commit, pruning."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from libs.contracts import Command, decode_outgoing
from libs.outbox import INBOX_RETENTION, process_once, prune, publish_pending
from libs.replies import Replies
from libs.siades.bot_models import InboxEntry, OutboxEntry
from libs.siades.coltypes import utcnow

COMMAND = Command(message_id="tg-1", update_id=1, service="data", action="start", chat_id=5,
                  user_id=5)


class RecordingPublisher:
    def __init__(self, fail_after: int | None = None):
        self.published, self.fail_after = [], fail_after

    def publish(self, exchange, routing_key, body, message_id, headers=None):
        if self.fail_after is not None and len(self.published) >= self.fail_after:
            raise ConnectionError("broker went away")
        self.published.append((exchange, routing_key, body, message_id))


def work(calls):
    """The handler's effect: counted in `calls`; two replies."""
    def run(session):
        calls.append(1)
        replies = Replies(COMMAND)
        replies.add("satu")
        return replies.add("dua")
    return run


def test_the_work_runs_once_and_unsent_replies_are_resent(session_factory):
    calls = []
    pending = process_once(session_factory, "data_service", COMMAND, work(calls))
    assert [e.message_id for e in pending] == ["tg-1:0", "tg-1:1"]
    # the broker takes the first reply, then goes away
    flaky = RecordingPublisher(fail_after=1)
    with pytest.raises(ConnectionError):
        publish_pending(session_factory, flaky, pending)
    # the redelivered command redoes nothing and resends only the second reply
    pending = process_once(session_factory, "data_service", COMMAND, work(calls))
    assert calls == [1] and [e.message_id for e in pending] == ["tg-1:1"]
    publisher = RecordingPublisher()
    publish_pending(session_factory, publisher, pending)
    [(exchange, key, body, message_id)] = publisher.published
    assert (exchange, key, message_id) == ("siades.outbox", "outbox.send", "tg-1:1")
    assert decode_outgoing(body).text == "dua"
    assert process_once(session_factory, "data_service", COMMAND, work(calls)) == []


def test_prune_forgets_old_entries_only(session_factory):
    process_once(session_factory, "data_service", COMMAND, work([]))
    publish_pending(session_factory, RecordingPublisher(),
                    process_once(session_factory, "data_service", COMMAND, work([])))
    prune(session_factory, utcnow())
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(InboxEntry)) == 1
    prune(session_factory, utcnow() + INBOX_RETENTION + timedelta(minutes=1))
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(InboxEntry)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxEntry)) == 0
