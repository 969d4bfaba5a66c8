"""The messages between services: small frozen records, encoded and decoded in one place.

A `Command` travels from the gateway to a worker (exchange `siades.commands`);
an `Outgoing` travels from a worker to the notifier (exchange `siades.outbox`).
Anything that does not match raises `DecodeError`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from libs.errors import DecodeError

MAX_TEXT = 4096


def command_message_id(update_id: int) -> str:
    """The message id of the command made from Telegram update `update_id`."""
    return f"tg-{update_id}"


@dataclass(frozen=True)
class Command:
    """What a resident asked for, parsed from one Telegram update."""

    message_id: str
    update_id: int
    service: str
    action: str
    chat_id: int
    user_id: int
    args: tuple[str, ...] = ()
    text: str = ""
    first_name: str = ""
    language: str | None = None
    callback_query_id: str | None = None
    callback_message_id: int | None = None  # the message whose inline button was tapped
    sent_at: int = 0
    # What the message carried besides text: {"type": "photo" | "document", "file_id",
    # "file_unique_id", "file_size", "mime_type"?, "file_name"?} or {"type": "location",
    # "latitude", "longitude"} (services/gateway/updates.py).
    attachment: dict[str, Any] | None = None

    @property
    def routing_key(self) -> str:
        """Where the command goes: `<service>.<action>`."""
        return f"{self.service}.{self.action}"


@dataclass(frozen=True)
class Outgoing:
    """One Bot API call the notifier should make on a worker's behalf.

    `getFile` is a download, not a message: the notifier fetches Telegram's file
    `extra["file_id"]` and stores it in `bot_received_files` row `extra["received_file"]`;
    if it cannot be kept, `text` goes to the chat with the reason (services/notifier/files.py).
    """

    message_id: str
    chat_id: int
    text: str
    method: str = "sendMessage"
    parse_mode: str | None = "HTML"
    reply_markup: dict[str, Any] | None = None
    document: dict[str, Any] | None = None
    correlation_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class CommandSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # a newer sender may add fields

    message_id = fields.String(required=True, validate=validate.Length(1, 80))
    update_id = fields.Integer(required=True, strict=True)
    service = fields.String(required=True, validate=validate.OneOf(["data", "letter"]))
    action = fields.String(required=True, validate=validate.Length(1, 32))
    chat_id = fields.Integer(required=True, strict=True)
    user_id = fields.Integer(required=True, strict=True)
    args = fields.List(fields.String(validate=validate.Length(max=MAX_TEXT)), load_default=())
    text = fields.String(load_default="", validate=validate.Length(max=MAX_TEXT))
    first_name = fields.String(load_default="")
    language = fields.String(load_default=None, allow_none=True)
    callback_query_id = fields.String(load_default=None, allow_none=True)
    callback_message_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    sent_at = fields.Integer(load_default=0)
    attachment = fields.Dict(keys=fields.String(), load_default=None, allow_none=True)

    @post_load
    def make(self, data, **kwargs) -> Command:
        data["args"] = tuple(data["args"])
        return Command(**data)


class OutgoingSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    message_id = fields.String(required=True, validate=validate.Length(1, 100))
    chat_id = fields.Integer(required=True, strict=True)
    text = fields.String(required=True)
    method = fields.String(
        load_default="sendMessage",
        validate=validate.OneOf(["sendMessage", "sendDocument", "answerCallbackQuery",
                                 "editMessageReplyMarkup", "getFile"]),
    )
    parse_mode = fields.String(load_default="HTML", allow_none=True)
    reply_markup = fields.Dict(load_default=None, allow_none=True)
    document = fields.Dict(load_default=None, allow_none=True)
    correlation_id = fields.String(load_default="")
    extra = fields.Dict(load_default=dict)

    @validates_schema
    def callback_answer_names_its_query(self, data, **kwargs) -> None:
        if data.get("method") == "answerCallbackQuery" and not isinstance(
                data.get("extra", {}).get("callback_query_id"), str):
            raise ValidationError("answerCallbackQuery needs extra.callback_query_id")

    @validates_schema
    def keyboard_edit_names_its_message(self, data, **kwargs) -> None:
        message_id = data.get("extra", {}).get("message_id")
        if data.get("method") == "editMessageReplyMarkup" and (
                type(message_id) is not int):
            raise ValidationError("editMessageReplyMarkup needs an integer extra.message_id")

    @validates_schema
    def download_names_its_file(self, data, **kwargs) -> None:
        extra = data.get("extra", {})
        if data.get("method") == "getFile" and not (
                isinstance(extra.get("file_id"), str) and type(extra.get("received_file")) is int
                and type(extra.get("max_bytes")) is int):
            raise ValidationError(
                "getFile needs extra.file_id and integer extra.received_file and max_bytes")

    @post_load
    def make(self, data, **kwargs) -> Outgoing:
        return Outgoing(**data)


_command_schema = CommandSchema()
_outgoing_schema = OutgoingSchema()


def encode(message: Command | Outgoing) -> bytes:
    """JSON bytes of a message."""
    data = asdict(message)
    if isinstance(message, Command):
        data["args"] = list(message.args)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _load(schema: Schema, body: bytes | str):
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # Recursion: nested too deep
        raise DecodeError(f"not JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise DecodeError("not a JSON object")
    try:
        return schema.load(raw)
    except ValidationError as exc:
        raise DecodeError(f"does not match {type(schema).__name__}: {exc.messages}") from exc


def decode_command(body: bytes | str) -> Command:
    """A Command from JSON bytes, or DecodeError."""
    return _load(_command_schema, body)


def decode_outgoing(body: bytes | str) -> Outgoing:
    """An Outgoing from JSON bytes, or DecodeError."""
    return _load(_outgoing_schema, body)
