"""The command worker's handler: each command handled once and its replies published; the
database away is a transient error (retried), not a rejection."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from libs.config import Settings
from libs.contracts import Command, encode
from libs.errors import TransientError
from libs.replies import Replies
from libs.worker import command_worker
from tests.support.recording import RecordingPublisher

COMMAND = Command(message_id="tg-7", update_id=7, service="data", action="start", chat_id=5,
                  user_id=5)


def test_a_command_is_handled_once_and_its_reply_published(session_factory):
    calls = []

    def handle(command, _session, _settings, _now):
        calls.append(command.message_id)
        return Replies(command).add("halo")

    on_command = command_worker("data_service", session_factory, Settings(), handle)
    publisher = RecordingPublisher()
    on_command(encode(COMMAND), None, publisher)
    on_command(encode(COMMAND), None, publisher)  # a redelivery
    assert calls == ["tg-7"]
    assert [reply.text for reply in publisher.published] == ["halo"]


def test_the_database_away_is_a_transient_error(session_factory):
    def handle(*_args):
        raise OperationalError("SELECT 1", {}, ConnectionError("gone"))

    on_command = command_worker("data_service", session_factory, Settings(), handle)
    with pytest.raises(TransientError, match="database unavailable"):
        on_command(encode(COMMAND), None, RecordingPublisher())
