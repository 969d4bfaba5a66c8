"""The one step both ways in share: an Update becomes a Command, published with a confirm.

Each update is counted by kind and outcome, and logged under its correlation id (the command's
message id, `tg-<update_id>`), which travels on in the command's x-correlation-id header.
"""

from __future__ import annotations

import logging
import time

from libs import metrics, topology
from libs.contracts import Command, command_message_id, encode
from libs.errors import ServiceError
from libs.logs import CORRELATION_HEADER, correlated
from services.gateway.updates import InvalidUpdate, parse_update

log = logging.getLogger(__name__)


def correlation_id(raw: object) -> str | None:
    """The correlation id of an Update dict: its command's message id, if it has an update_id."""
    update_id = raw.get("update_id") if isinstance(raw, dict) else None
    return command_message_id(update_id) if type(update_id) is int else None


def accept(raw: object, publisher) -> Command | None:
    """Parse one Update and publish its Command; return it, or None for an ignored kind.

    Raises InvalidUpdate for a body that is not an Update, and ServiceError when the broker
    did not confirm: the caller must not tell Telegram the update was taken.
    """
    kind = metrics.update_kind(raw)
    with correlated(correlation_id(raw)):
        try:
            command = parse_update(raw)
        except InvalidUpdate:
            metrics.REFUSED.labels("not_an_update").inc()
            raise
        if command is None:
            log.info("update %s ignored: not a kind we serve", raw.get("update_id"))
            metrics.UPDATES.labels(kind, "ignored").inc()
            return None
        _publish(command, kind, publisher)
        log.info("update %s -> %s", command.update_id, command.routing_key)
        return command


def _publish(command: Command, kind: str, publisher) -> None:
    started = time.monotonic()
    try:
        publisher.publish(topology.COMMANDS_EXCHANGE, command.routing_key, encode(command),
                          command.message_id, {CORRELATION_HEADER: command.message_id})
    except ServiceError as exc:
        metrics.UPDATES.labels(kind, "unavailable").inc()
        log.warning("update %s not accepted, broker said: %s", command.update_id, exc)
        raise
    metrics.PUBLISH_SECONDS.observe(time.monotonic() - started)
    metrics.UPDATES.labels(kind, "published").inc()
