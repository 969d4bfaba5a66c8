"""A publisher that keeps what it was given, for tests of code that publishes replies."""

from __future__ import annotations

from libs.contracts import Outgoing, decode_outgoing


class RecordingPublisher:
    """Stands in for the broker: decodes and keeps every Outgoing published."""

    def __init__(self):
        self.published: list[Outgoing] = []

    def publish(self, exchange, routing_key, body, message_id, headers=None) -> None:
        self.published.append(decode_outgoing(body))
