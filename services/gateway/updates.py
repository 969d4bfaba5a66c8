"""Telegram Update JSON -> Command, validated with marshmallow.

Only the fields we use are checked (Bot API 10.1 names and types); the rest is ignored, so a
newer Bot API adding fields changes nothing. Outcomes:
    not an Update at all (no integer update_id)          -> InvalidUpdate (HTTP 400)
    a kind we do not serve (edits, channels, groups...)  -> None (HTTP 200, ignored)
    a private message or button tap                      -> a Command
"""

from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from libs.contracts import MAX_TEXT, Command, command_message_id
from services.gateway.commands import Parsed, attachment, parse_text


class InvalidUpdate(ValueError):
    """The body is JSON but not a Telegram Update."""


# Telegram's ids fit a signed 64-bit integer (the BIGINT columns they are stored in); larger
# ones would make a message id the workers refuse, or overflow those columns.
ID_RANGE = validate.Range(-(2**63), 2**63 - 1)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class _Text(fields.String):
    """A string UTF-8 can carry: json.loads lets an escaped lone surrogate (`\\ud800`) through."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        return _LONE_SURROGATE.sub("\ufffd", super()._deserialize(value, attr, data, **kwargs))


class _Lenient(Schema):
    class Meta:
        unknown = EXCLUDE


class UserSchema(_Lenient):
    id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    is_bot = fields.Boolean(load_default=False)
    first_name = _Text(load_default="")
    language_code = _Text(load_default=None)


class ChatSchema(_Lenient):
    id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    type = fields.String(required=True)


class _FileSchema(_Lenient):
    file_id = _Text(required=True, validate=validate.Length(1, 255))
    file_unique_id = _Text(required=True, validate=validate.Length(1, 64))
    file_size = fields.Integer(load_default=None, strict=True, validate=validate.Range(0))


class PhotoSizeSchema(_FileSchema):
    width = fields.Integer(load_default=0, strict=True)
    height = fields.Integer(load_default=0, strict=True)


class DocumentSchema(_FileSchema):
    file_name = _Text(load_default=None)
    mime_type = _Text(load_default=None)


class LocationSchema(_Lenient):
    latitude = fields.Float(required=True)
    longitude = fields.Float(required=True)


class MessageSchema(_Lenient):
    message_id = fields.Integer(required=True, strict=True)
    date = fields.Integer(load_default=0)
    chat = fields.Nested(ChatSchema, required=True)
    from_ = fields.Nested(UserSchema, data_key="from", load_default=None)
    text = _Text(load_default=None)
    photo = fields.List(fields.Nested(PhotoSizeSchema), load_default=None)
    document = fields.Nested(DocumentSchema, load_default=None)
    location = fields.Nested(LocationSchema, load_default=None)


class CallbackQuerySchema(_Lenient):
    id = _Text(required=True)
    from_ = fields.Nested(UserSchema, data_key="from", required=True)
    message = fields.Nested(MessageSchema, load_default=None)
    data = _Text(load_default=None)


class UpdateSchema(_Lenient):
    update_id = fields.Integer(required=True, strict=True)
    message = fields.Nested(MessageSchema, load_default=None)
    callback_query = fields.Nested(CallbackQuerySchema, load_default=None)


_schema = UpdateSchema()


def parse_update(raw: object) -> Command | None:
    """A Command from an Update dict, None for kinds we ignore, InvalidUpdate for non-Updates."""
    update_id = raw.get("update_id") if isinstance(raw, dict) else None
    if type(update_id) is not int or not ID_RANGE.min <= update_id <= ID_RANGE.max:
        raise InvalidUpdate("an Update needs an integer update_id (64 bits at most)")
    try:
        update = _schema.load(raw)
    except ValidationError:
        return None  # an Update we cannot serve: answering non-2xx would make Telegram retry
    if update["message"] is not None:
        return _from_message(update["update_id"], update["message"])
    if update["callback_query"] is not None:
        return _from_callback(update["update_id"], update["callback_query"])
    return None


def _from_message(update_id: int, message: dict) -> Command | None:
    sender = message["from_"]
    if message["chat"]["type"] != "private" or sender is None or sender["is_bot"]:
        return None  # personal data is never answered in groups or channels
    text = message["text"]
    carried = _attachment(message)
    if carried is not None:
        parsed = attachment()
    else:
        parsed = parse_text(text) if text is not None else Parsed("data", "unknown")
    return _command(update_id, message["chat"]["id"], sender, parsed, text or "",
                    sent_at=message["date"], attachment=carried)


def _attachment(message: dict) -> dict | None:
    """A photo (its largest size: Telegram lists them smallest first), a document or a
    location, as the letter service reads it; None for a text message."""
    if message["photo"]:
        largest = max(message["photo"], key=lambda size: (size["width"] * size["height"],
                                                          size["file_size"] or 0))
        return {"type": "photo", "file_id": largest["file_id"],
                "file_unique_id": largest["file_unique_id"], "file_size": largest["file_size"]}
    if message["document"] is not None:
        document = message["document"]
        return {"type": "document", "file_id": document["file_id"],
                "file_unique_id": document["file_unique_id"],
                "file_size": document["file_size"], "mime_type": document["mime_type"],
                "file_name": (document["file_name"] or "")[:255]}
    if message["location"] is not None:
        return {"type": "location", **message["location"]}
    return None


def _from_callback(update_id: int, query: dict) -> Command | None:
    message = query["message"]
    if message is None or message["chat"]["type"] != "private" or query["data"] is None:
        return None
    parsed = parse_text(query["data"])
    return _command(update_id, message["chat"]["id"], query["from_"], parsed, query["data"],
                    callback_query_id=query["id"], callback_message_id=message["message_id"])


def _command(update_id, chat_id, sender, parsed: Parsed, text: str, **extra) -> Command:
    return Command(
        message_id=command_message_id(update_id),
        update_id=update_id,
        service=parsed.service,
        action=parsed.action,
        args=parsed.args,
        chat_id=chat_id,
        user_id=sender["id"],
        text=text[:MAX_TEXT],
        first_name=(sender["first_name"] or "")[:100],
        language=sender["language_code"],
        **extra,
    )
