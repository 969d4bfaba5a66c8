"""The trimmed Bot API spec (bot_api_spec.json) and checking JSON values against its types."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

SPEC_FILE = Path(__file__).with_name("bot_api_spec.json")
SCALARS = {"Integer", "String", "Boolean", "Float", "True"}
# Where Telegram answers a field's limit with its own error code instead of a sentence.
TELEGRAM_CODES = {
    ("InlineKeyboardButton", "callback_data"): "BUTTON_DATA_INVALID",
    ("BotCommand", "command"): "BOT_COMMAND_INVALID",
    ("BotCommand", "description"): "BOT_COMMAND_DESCRIPTION_INVALID",
    ("answerCallbackQuery", "text"): "MESSAGE_TOO_LONG",
    ("setMyDescription", "description"): "BOT_DESCRIPTION_INVALID",
}
_SCALAR_CHECKS = {
    "Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "Float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "String": lambda v: isinstance(v, str),
    "Boolean": lambda v: isinstance(v, bool),
    "True": lambda v: v is True,
}


class Invalid(Exception):
    """A JSON value that does not match its spec type.

    `path` locates it (`inline_keyboard[0][1].text`), `owners` lists the object types around
    the bad field, innermost first, and `code` is set when Telegram answers with a bare code.
    """

    def __init__(self, message: str, path: str, owner: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.owners = [owner] if owner else []
        self.code = code


class Spec:
    """Methods and types of the Bot API, looked up by name."""

    def __init__(self, data: dict):
        self.version = data["version"]
        self.methods = {name.lower(): method for name, method in data["methods"].items()}
        self.types: dict[str, dict] = data["types"]

    @classmethod
    def load(cls, path: Path = SPEC_FILE) -> Spec:
        """The spec shipped next to this module."""
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def method(self, name: str) -> dict | None:
        """A method by name, case-insensitively like Telegram."""
        return self.methods.get(name.lower())

    def check(self, value: Any, types: list[str], path: str = "", *, strict: bool = False,
              owner: str | None = None) -> None:
        """Raise Invalid unless value matches one of types; strict also refuses unknown fields."""
        objects = [t for t in types if t in self.types]
        if isinstance(value, dict) and len(objects) > 1:
            picked = self._pick(value, objects, path, owner)
            return self._check_one(value, picked, path, strict, owner)
        problems = []
        for type_name in types:
            try:
                return self._check_one(value, type_name, path, strict, owner)
            except Invalid as problem:
                problems.append(problem)
        specific = [p for p in problems if p.path != path or p.message]
        raise specific[0] if specific else _wrong_type(path, types, owner)

    def check_limits(self, owner: str, field: dict, value: Any, path: str) -> None:
        """Raise Invalid if value breaks a limit stated in the field's description."""
        name = field["name"]
        problem = None
        if "length" in field and isinstance(value, str) and not field["length"][3]:
            low, high, unit, _ = field["length"]
            size = len(value.encode()) if unit == "bytes" else len(value)
            if not low <= size <= high:
                problem = f'Field "{name}" must be {low}-{high} {unit} long'
        elif "enum" in field and value not in field["enum"]:
            problem = f'Field "{name}" must be one of {", ".join(field["enum"])}'
        elif "const" in field and value != field["const"]:
            problem = f'Field "{name}" must be {field["const"]}'
        if problem:
            raise Invalid(problem, path, owner, TELEGRAM_CODES.get((owner, name)))

    def _check_one(self, value: Any, type_name: str, path: str, strict: bool,
                   owner: str | None) -> None:
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                raise Invalid("", path)
            for index, item in enumerate(value):
                self.check(item, [type_name[len("Array of "):]], f"{path}[{index}]",
                           strict=strict, owner=owner)
            return
        if type_name in _SCALAR_CHECKS:
            if not _SCALAR_CHECKS[type_name](value):
                raise Invalid("", path)
            return
        if type_name == "KeyboardButton" and isinstance(value, str):
            return  # Telegram takes a bare string as a text-only button
        spec_type = self.types.get(type_name)
        if spec_type is None or not isinstance(value, dict):
            raise Invalid("", path)
        if spec_type.get("subtypes"):
            type_name = self._subtype(value, spec_type, path, strict)
            spec_type = self.types[type_name]
        self._check_fields(value, type_name, spec_type, path, strict)

    def _check_fields(self, value: dict, type_name: str, spec_type: dict, path: str,
                      strict: bool) -> None:
        for field in spec_type["fields"]:
            name = field["name"]
            field_path = f"{path}.{name}" if path else name
            if value.get(name) is None:
                if field["required"]:
                    raise Invalid(f'Can\'t find field "{name}"', field_path, type_name)
                continue
            try:
                self.check(value[name], field["types"], field_path, strict=strict,
                           owner=type_name)
            except Invalid as problem:
                if problem.owners[-1:] != [type_name]:
                    problem.owners.append(type_name)
                raise
            self.check_limits(type_name, field, value[name], field_path)
        if strict:
            known = {f["name"] for f in spec_type["fields"]}
            for name in value.keys() - known:
                raise Invalid(f'Unexpected field "{name}"', f"{path}.{name}", type_name)

    def _pick(self, value: dict, objects: list[str], path: str, owner: str | None) -> str:
        """Which of several object types a dict is, by the first required field it has."""
        for type_name in objects:
            required = [f["name"] for f in self.types[type_name]["fields"] if f["required"]]
            if required and required[0] in value:
                return type_name
        raise Invalid(f"Expected one of {', '.join(objects)}", path, owner)

    def _subtype(self, value: dict, spec_type: dict, path: str, strict: bool) -> str:
        """The concrete subtype of an abstract type: by its `type` constant, else by trying."""
        subtypes = spec_type["subtypes"]
        consts = {self._const(name): name for name in subtypes}
        if None not in consts:
            if value.get("type") not in consts:
                raise Invalid(f'Unsupported {spec_type["name"]} type "{value.get("type")}"',
                              path, spec_type["name"])
            return consts[value["type"]]
        problems = []
        for name in subtypes:
            try:
                self._check_fields(value, name, self.types[name], path, strict)
                return name
            except Invalid as problem:
                problems.append(problem)
        raise problems[0]

    def _const(self, type_name: str) -> str | None:
        fields = self.types[type_name]["fields"]
        return next((f["const"] for f in fields if "const" in f), None)


def _wrong_type(path: str, types: list[str], owner: str | None) -> Invalid:
    leaf = re.split(r"\.", path)[-1] if path else "value"
    return Invalid(f'Field "{leaf}" must be of type {" or ".join(types)}', path, owner)
