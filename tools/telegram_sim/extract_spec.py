"""Extract the part of the Telegram Bot API spec the simulator needs into bot_api_spec.json.

Source: the machine-readable api.json of Bot API 10.1 (June 11, 2026), kept in the project's
shared folder (`/work/shared/telegram/api.json`): `methods` and `types`, each with `fields`
[{name, types, required, description}]. The output keeps:
  - the methods the simulator implements, with every parameter;
  - the types those parameters reference, transitively (keyboards, entities, command scopes...);
  - the types the simulator answers with (Update, Message, ...), where Message and Update are
    cut down to the fields the simulator can produce (`all_fields` keeps Update's full list,
    which is how allowed_updates is checked).
Descriptions are dropped unless they carry a limit; limits are also parsed into `length`
(`[min, max, "characters"|"bytes", after_entities]`), `range`, `enum` and `const`.

Run again after updating the source:
    python -m tools.telegram_sim.extract_spec [/path/to/api.json]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

SOURCE = Path("/work/shared/telegram/api.json")
TARGET = Path(__file__).with_name("bot_api_spec.json")

METHODS = [
    "getMe", "setWebhook", "deleteWebhook", "getWebhookInfo", "getUpdates", "sendMessage",
    "sendDocument", "answerCallbackQuery", "setMyCommands", "setMyDescription", "getMyCommands",
    "editMessageText", "editMessageReplyMarkup", "getMyDescription", "setMyShortDescription",
    "getMyShortDescription", "getFile",
]
# Answer types, with the fields the simulator produces (None: every field).
ANSWER_TYPES: dict[str, list[str] | None] = {
    "Update": ["update_id", "message", "edited_message", "callback_query"],
    "Message": [
        "message_id", "from", "date", "chat", "reply_to_message", "edit_date", "text",
        "entities", "link_preview_options", "document", "photo", "caption",
        "caption_entities", "location", "reply_markup",
    ],
    "MaybeInaccessibleMessage": None, "InaccessibleMessage": None, "CallbackQuery": None,
    "User": None, "Chat": None, "Document": None, "PhotoSize": None, "Location": None,
    "File": None, "WebhookInfo": None, "BotDescription": None, "BotShortDescription": None,
}

_LENGTH = re.compile(r"(\d+)-(\d+) (characters|bytes)( after entit(?:y|ies) parsing)?")
_RANGE = re.compile(r"(?:^|[ ,])(\d+)-(\d+)(?:[. ]|$)")
_CONST = re.compile(r"must be ([a-z_]+)$")
_ENUM = re.compile(r"(?:[Mm]ust be one of|[Cc]an be either|[Cc]urrently, can be) (.*)")


def _base(type_name: str) -> str:
    return re.sub(r"^(Array of )+", "", type_name)


def _field(field: dict) -> dict:
    """One field, its description kept only when it states a limit."""
    out = {"name": field["name"], "types": field["types"], "required": field["required"]}
    desc = field.get("description", "")
    limits = {}
    if field["types"] == ["String"] and (m := _LENGTH.search(desc)):
        limits["length"] = [int(m[1]), int(m[2]), m[3], bool(m[4])]
    elif field["types"] == ["Integer"] and (m := _RANGE.search(desc)):
        limits["range"] = [int(m[1]), int(m[2])]
    if field["name"] == "type" and (m := _CONST.search(desc)):
        limits["const"] = m[1]
    elif field["types"] == ["String"] and (m := _ENUM.search(desc)):
        if words := re.findall(r'"([a-z_]+)"', m[1]):
            limits["enum"] = words
    if limits:
        out.update(limits, description=desc)
    return out


def _type(spec_type: dict, keep: list[str] | None) -> dict:
    out = {"name": spec_type["name"]}
    for key in ("subtypes", "subtype_of"):
        if key in spec_type:
            out[key] = spec_type[key]
    fields = spec_type.get("fields", [])
    out["fields"] = [_field(f) for f in fields if keep is None or f["name"] in keep]
    if keep is not None:
        out["all_fields"] = [f["name"] for f in fields]
    return out


def extract(api: dict) -> dict:
    """The trimmed spec: chosen methods, their parameter types and the answer types."""
    methods = {name: api["methods"][name] for name in METHODS}
    todo = [_base(t) for m in methods.values() for f in m.get("fields", []) for t in f["types"]]
    todo += list(ANSWER_TYPES)
    types: dict[str, dict] = {}
    while todo:
        name = todo.pop()
        if name in types or name not in api["types"]:
            continue
        keep = ANSWER_TYPES.get(name)
        types[name] = _type(api["types"][name], keep)
        todo += types[name].get("subtypes", [])
        todo += [_base(t) for f in types[name]["fields"] for t in f["types"]]
    return {
        "version": api["version"],
        "release_date": api["release_date"],
        "source": "api.json of the project's shared folder (telegram/api.json)",
        "methods": {
            name: {"name": name, "returns": m["returns"],
                   "fields": [_field(f) for f in m.get("fields", [])]}
            for name, m in methods.items()
        },
        "types": dict(sorted(types.items())),
    }


def main(argv: list[str]) -> None:
    """Write bot_api_spec.json from the api.json given (or the shared one)."""
    source = Path(argv[0]) if argv else SOURCE
    spec = extract(json.loads(source.read_text(encoding="utf-8")))
    TARGET.write_text(json.dumps(spec, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{TARGET}: {len(spec['methods'])} methods, {len(spec['types'])} types")


if __name__ == "__main__":
    main(sys.argv[1:])
