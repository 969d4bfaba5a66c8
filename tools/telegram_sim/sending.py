"""The methods that put messages in a chat: sendMessage, sendDocument and the two edits.

Each takes the simulator and the call's type-checked parameters, and returns the result
Telegram would (the Message), or raises ApiError with Telegram's description.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlparse

from werkzeug.datastructures import FileStorage

from tools.telegram_sim.errors import bad_request
from tools.telegram_sim.files import new_file_ids
from tools.telegram_sim.formatting import ParseError, UnsupportedParseMode, parse
from tools.telegram_sim.objects import now

MAX_TEXT = 4096
MAX_CAPTION = 1024
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def send_message(sim, params: dict[str, Any]) -> dict:
    """sendMessage."""
    chat = _chat(sim, params["chat_id"])
    text, entities = _text(params["text"], params.get("parse_mode"), params.get("entities"))
    reply_to = _reply_to(sim, chat["id"], params.get("reply_parameters"))

    def build(message_id: int) -> dict:
        message = _message(sim, message_id, chat, reply_to)
        message["text"] = text
        if entities:
            message["entities"] = entities
        if "link_preview_options" in params:
            message["link_preview_options"] = params["link_preview_options"]
        return _with_markup(message, params)

    record = _record(chat["id"], "sendMessage", params, text=params["text"],
                     plain_text=text, entities=entities)
    return sim.store.add_message(chat["id"], build, record)


def send_document(sim, params: dict[str, Any]) -> dict:
    """sendDocument: an upload, a file_id sent before, or an HTTP URL."""
    chat = _chat(sim, params["chat_id"])
    document = _document(sim, params["document"])
    caption, entities = None, []
    if "caption" in params:
        caption, entities = _caption(params["caption"], params.get("parse_mode"),
                                     params.get("caption_entities"))
    reply_to = _reply_to(sim, chat["id"], params.get("reply_parameters"))

    def build(message_id: int) -> dict:
        message = _message(sim, message_id, chat, reply_to)
        message["document"] = {k: v for k, v in document.items() if k != "url"}
        if caption:
            message["caption"] = caption
        if entities:
            message["caption_entities"] = entities
        return _with_markup(message, params)

    record = _record(chat["id"], "sendDocument", params, caption=params.get("caption"),
                     plain_caption=caption, entities=entities, document=document)
    return sim.store.add_message(chat["id"], build, record)


def edit_message_text(sim, params: dict[str, Any]) -> dict:
    """editMessageText of a bot message; without reply_markup the inline keyboard goes."""
    message = _message_to_edit(sim, params)
    if "text" not in params:
        raise bad_request("message text is empty")
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    text, entities = _text(params["text"], params.get("parse_mode"), params.get("entities"))
    edited = {k: v for k, v in message.items() if k not in ("entities", "reply_markup")}
    edited["text"] = text
    if entities:
        edited["entities"] = entities
    return _save_edit(sim, message, _with_markup(edited, params), "editMessageText", params,
                      text=params["text"], plain_text=text, entities=entities)


def edit_message_reply_markup(sim, params: dict[str, Any]) -> dict:
    """editMessageReplyMarkup of a bot message; no reply_markup removes the keyboard."""
    message = _message_to_edit(sim, params)
    edited = {k: v for k, v in message.items() if k != "reply_markup"}
    return _save_edit(sim, message, _with_markup(edited, params), "editMessageReplyMarkup",
                      params)


def _chat(sim, chat_id: int | str) -> dict:
    chat = sim.store.chat(chat_id) if isinstance(chat_id, int) else None
    if chat is None:
        raise bad_request("chat not found")
    return chat


def _parsed(text: str, parse_mode: str | None, explicit: list | None) -> tuple[str, list]:
    try:
        plain, entities = parse(text, parse_mode)
    except ParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None
    except UnsupportedParseMode:
        raise bad_request("unsupported parse_mode") from None
    return plain, entities if parse_mode else list(explicit or [])


def _text(text: str, parse_mode: str | None, explicit: list | None) -> tuple[str, list]:
    plain, entities = _parsed(text, parse_mode, explicit)
    if not plain.strip():
        raise bad_request("message text is empty")
    if len(plain) > MAX_TEXT:
        raise bad_request("message is too long")
    return plain, entities


def _caption(caption: str, parse_mode: str | None, explicit: list | None) -> tuple[str, list]:
    plain, entities = _parsed(caption, parse_mode, explicit)
    if len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return plain, entities


def _reply_to(sim, chat_id: int, reply: dict | None) -> dict | None:
    if not reply:
        return None
    if reply.get("chat_id") not in (None, chat_id):
        raise bad_request("message to be replied not found")
    message = sim.store.message(chat_id, reply["message_id"])
    if message is None and not reply.get("allow_sending_without_reply"):
        raise bad_request("message to be replied not found")
    return message and {k: v for k, v in message.items() if k != "reply_to_message"}


def _message(sim, message_id: int, chat: dict, reply_to: dict | None) -> dict:
    message = {"message_id": message_id, "from": sim.bot, "chat": chat, "date": now()}
    if reply_to:
        message["reply_to_message"] = reply_to
    return message


def _with_markup(message: dict, params: dict) -> dict:
    """Only an inline keyboard shows in a Message; reply keyboards live in the client."""
    markup = params.get("reply_markup")
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        message["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
    return message


def _record(chat_id: int, method: str, params: dict, **fields: Any) -> dict:
    return {"chat_id": chat_id, "method": method, "parse_mode": params.get("parse_mode"),
            "reply_markup": params.get("reply_markup"), **fields}


def _document(sim, document: FileStorage | str) -> dict:
    if isinstance(document, FileStorage):
        data = document.read()
        if not data:
            raise bad_request("file must be non-empty")
        name = PurePosixPath(document.filename or "document").name
        mime = document.mimetype
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return sim.store.files.add(data, kind="upload", file_name=name, mime_type=mime).document()
    if urlparse(document).scheme in ("http", "https"):
        file_id, unique_id = new_file_ids()
        name = PurePosixPath(urlparse(document).path).name or "file"
        return {"file_id": file_id, "file_unique_id": unique_id, "file_name": name,
                "mime_type": mimetypes.guess_type(name)[0] or "application/octet-stream",
                "url": document}
    stored = sim.store.files.get(document)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if not stored.is_document:
        raise bad_request("can't use file of type Photo as Document")
    return stored.document()


def _message_to_edit(sim, params: dict) -> dict:
    if "inline_message_id" in params:
        raise bad_request("MESSAGE_ID_INVALID")
    if "chat_id" not in params:
        raise bad_request("chat_id is empty")
    if "message_id" not in params:
        raise bad_request("message identifier is not specified")
    chat = _chat(sim, params["chat_id"])
    message = sim.store.message(chat["id"], params["message_id"])
    if message is None:
        raise bad_request("message to edit not found")
    if message["from"]["id"] != sim.bot["id"]:
        raise bad_request("message can't be edited")
    return message


def _save_edit(sim, old: dict, new: dict, method: str, params: dict, **fields: Any) -> dict:
    if {**old, "edit_date": 0} == {**new, "edit_date": 0}:
        raise bad_request(NOT_MODIFIED)
    new["edit_date"] = now()
    sim.store.replace_message(new, _record(old["chat"]["id"], method, params, **fields))
    return new
