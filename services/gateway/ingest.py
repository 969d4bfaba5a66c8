"""The one step both ways in share: an Update becomes a Command, published with a confirm."""

from __future__ import annotations

import logging

from libs import topology
from libs.contracts import Command, encode
from services.gateway.updates import parse_update

log = logging.getLogger(__name__)


def accept(raw: object, publisher) -> Command | None:
    """Parse one Update and publish its Command; return it, or None for an ignored kind.

    Raises InvalidUpdate for a body that is not an Update, and ServiceError when the broker
    did not confirm: the caller must not tell Telegram the update was taken.
    """
    command = parse_update(raw)
    if command is None:
        log.info("update %s ignored: not a kind we serve", raw.get("update_id"))
        return None
    publisher.publish(
        topology.COMMANDS_EXCHANGE, command.routing_key, encode(command), command.message_id
    )
    log.info("update %s -> %s", command.update_id, command.routing_key)
    return command
