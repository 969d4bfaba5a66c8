"""Downloads: a file a resident sent (a complaint's photo), fetched from Telegram and kept.

The letter worker records the photo as a `bot_received_files` row (`pending`, Telegram's
file_id) and asks for it with a `getFile` outbox message; the notifier, the one part that
holds the bot's token and talks to the Bot API, fetches it here:

    getFile, then the file itself      -> stored (its bytes, size and type)
    larger than extra.max_bytes        -> refused "too_big" (getFile's file_size, or while
                                          reading: never more than that is read)
    Telegram: "file is too big" (20 MB, the Bot API's download limit) -> refused "too_big"
    not a JPEG or PNG (by its first bytes, whatever it claims)        -> refused "not_image"
    Telegram refuses the file_id (400)                                -> refused "unavailable"
    5xx, timeouts                      -> raised: the dispatcher retries as for any call
A refused photo is said to the resident at once (texts.COMPLAINT_PHOTO_REFUSED), in the same
chat order as the worker's replies; the complaint goes on without it.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import sessionmaker

from libs import texts
from libs.contracts import Outgoing
from libs.siades.bot_models import FILE_PENDING, FILE_REFUSED, FILE_STORED, ReceivedFile
from libs.siades.coltypes import utcnow
from libs.telegram import BadRequest, FileTooLarge, TelegramClient

log = logging.getLogger(__name__)

SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
TOO_BIG, NOT_IMAGE, UNAVAILABLE = "too_big", "not_image", "unavailable"


def image_type(content: bytes) -> str | None:
    """The image type of `content` by its first bytes, or None if it is no JPEG or PNG."""
    return next((mime for head, mime in SIGNATURES.items() if content.startswith(head)), None)


def fetch(client: TelegramClient, message: Outgoing, factory: sessionmaker) -> dict:
    """Download the file `message` names into its row; tell the chat if it cannot be kept."""
    received, max_bytes = message.extra["received_file"], int(message.extra["max_bytes"])
    with factory() as session:
        row = session.get(ReceivedFile, received)
        if row is None or row.state != FILE_PENDING:
            return {}  # done already (a redelivery), or the draft that wanted it is gone
    reason, content = _download(client, message.extra["file_id"], max_bytes)
    mime = image_type(content) if reason is None else None
    if reason is None and mime is None:
        reason = NOT_IMAGE
    with factory.begin() as session:
        row = session.get(ReceivedFile, received)
        if row is None:
            return {}
        row.stored_at = utcnow()
        if reason is None:
            row.state, row.content, row.size, row.mime_type = FILE_STORED, content, \
                len(content), mime
        else:
            row.state, row.reason = FILE_REFUSED, reason
    if reason is None:
        log.info("file %d stored (%d bytes, %s)", received, len(content), mime)
        return {}
    log.info("file %d refused: %s", received, reason)
    text = texts.COMPLAINT_PHOTO_REFUSED.format(
        reason=texts.COMPLAINT_PHOTO_REASONS[reason].format(limit=_megabytes(max_bytes)))
    return client.send_message(message.chat_id, text)


def _download(client: TelegramClient, file_id: str, max_bytes: int) -> tuple[str | None, bytes]:
    """(None, the bytes), or (why not, b"")."""
    try:
        found = client.call("getFile", {"file_id": file_id})
    except BadRequest as exc:
        return (TOO_BIG if "too big" in str(exc).lower() else UNAVAILABLE), b""
    if (found.get("file_size") or 0) > max_bytes:
        return TOO_BIG, b""
    if not found.get("file_path"):
        return UNAVAILABLE, b""
    try:
        return None, client.download(found["file_path"], max_bytes)
    except FileTooLarge:
        return TOO_BIG, b""
    except BadRequest:
        return UNAVAILABLE, b""


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"
