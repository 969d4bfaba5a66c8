"""The poller's loop (services/gateway/poller.py): every failure is waited out, none ends it."""

from __future__ import annotations

from libs.errors import TransientError
from libs.telegram import Conflict, RateLimited
from services.gateway import poller as poller_module
from services.gateway.poller import Poller


class ScriptedClient:
    """getUpdates answers (or raises) the scripted outcomes in turn."""

    def __init__(self, outcomes):
        self.outcomes = list(outcomes)
        self.offsets = []

    def get_updates(self, offset, timeout):
        self.offsets.append(offset)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


class RecordingStop:
    """Stands in for the poller's stop event: records each wait, stops when the script ends."""

    def __init__(self, client):
        self.client, self.waits = client, []

    def is_set(self):
        return not self.client.outcomes

    def wait(self, seconds):
        self.waits.append(seconds)

    def set(self):
        self.client.outcomes.clear()


class Recorder:
    def __init__(self):
        self.published = []

    def publish(self, exchange, routing_key, body, message_id, headers=None):
        self.published.append(message_id)


def message_update(update_id: int) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": False, "first_name": "A"}, "text": "Biodata"}}


def run_script(outcomes):
    client = ScriptedClient(outcomes)
    publisher = Recorder()
    poller = Poller(client, publisher, poll_timeout=0)
    poller._stop = RecordingStop(client)
    poller.run()
    return poller, client, publisher


def test_failures_are_waited_out_with_growing_backoff_and_telegrams_retry_after():
    poller, client, publisher = run_script([
        TransientError("502"), TransientError("timeout"), TransientError("502"),
        [message_update(10)],
        RateLimited("429", retry_after=7),
        Conflict("409 Conflict: can't use getUpdates method while webhook is active"),
        [message_update(11)],
    ])
    assert poller._stop.waits == [1.0, 2.0, 4.0, 7, poller_module.CONFLICT_WAIT]
    assert publisher.published == ["tg-10", "tg-11"]
    assert client.offsets == [None, None, None, None, 11, 11, 11]


def test_an_update_that_is_not_one_is_confirmed_and_skipped():
    _, client, publisher = run_script([
        [{"update_id": 3, "message": "not an object"}, message_update(4)],
        [],
    ])
    assert publisher.published == ["tg-4"]
    assert client.offsets == [None, 5]


def test_backoff_is_capped():
    poller, _, _ = run_script([TransientError("down")] * 9 + [[]])
    assert max(poller._stop.waits) == poller_module.MAX_BACKOFF
