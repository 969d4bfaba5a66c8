"""A Bot API call's parameters, read and type-checked the way Telegram does.

Telegram takes parameters from the query string, a form (urlencoded or multipart) or a JSON
body. Form values are strings, objects among them JSON-serialized; a JSON body may give an
object either as itself or as a JSON string. Scalars are read leniently like Telegram
("123" is an Integer, 123 a String); Booleans must be true/false/1/0 (Telegram reads anything
else as false, which hides bugs, so the simulator refuses it).
"""

from __future__ import annotations

import json
import re
from typing import Any

from werkzeug.datastructures import FileStorage

from tools.telegram_sim.errors import ApiError, bad_request
from tools.telegram_sim.spec import SCALARS, TELEGRAM_CODES, Invalid, Spec

FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
_INTEGER = re.compile(r"[+-]?\d+")
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}
# Telegram's words for a missing required parameter; the others read `<name> is empty`.
MISSING = {"text": "message text is empty", "document": "there is no document in the request"}
# Required in the spec, but Telegram takes their absence as a meaning (no url: no webhook).
MAY_BE_MISSING = {("setwebhook", "url")}
# Where an empty string is a value of its own rather than an absent parameter.
KEEP_EMPTY = {("setmydescription", "description"),
              ("setmyshortdescription", "short_description")}
OWNER_WORDS = {
    "InlineKeyboardButton": "inline keyboard button", "KeyboardButton": "keyboard button",
}
PARAM_WORDS = {
    "reply_markup": "reply keyboard markup", "caption_entities": "caption entities",
    "link_preview_options": "link preview options", "reply_parameters": "reply parameters",
    "commands": "bot commands", "scope": "bot command scope", "allowed_updates": "allowed updates",
}


def read_params(request) -> dict[str, Any]:
    """The parameters of a Flask request: query string, then the body's (which win)."""
    params: dict[str, Any] = request.args.to_dict()
    if request.mimetype == "application/json":
        data = request.get_data(cache=True)
        if data.strip():
            try:
                body = json.loads(data)
            except ValueError:
                raise bad_request("can't parse JSON encoded request body") from None
            if not isinstance(body, dict):
                raise bad_request("JSON object expected as request body")
            params.update(body)
    elif request.mimetype in FORM_TYPES:
        params.update(request.form.to_dict())
        params.update(request.files.to_dict())
    return params


def coerce_params(spec: Spec, method_name: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The method's parameters as Python values; raises ApiError(400) as Telegram would."""
    method = spec.method(method_name)
    key = method["name"].lower()
    params: dict[str, Any] = {}
    for field in method["fields"]:
        name = field["name"]
        value = _resolve_attach(raw.get(name), raw)
        if value is None or (value == "" and (key, name) not in KEEP_EMPTY):
            if field["required"] and (key, name) not in MAY_BE_MISSING:
                raise bad_request(MISSING.get(name, f"{name} is empty"))
            continue
        params[name] = _coerce(spec, method["name"], field, value)
    return params


def _resolve_attach(value: Any, raw: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("attach://"):
        attached = raw.get(value[len("attach://"):])
        return attached if isinstance(attached, FileStorage) else value
    return value


def _coerce(spec: Spec, method_name: str, field: dict, value: Any) -> Any:
    name, types = field["name"], field["types"]
    if isinstance(value, FileStorage):
        if "InputFile" in types:
            return value
        raise _mistyped(name, types)
    objects = [t for t in types if t not in SCALARS and t != "InputFile"]
    if objects:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                what = PARAM_WORDS.get(name, name)
                raise bad_request(f"can't parse {what} JSON object") from None
        if name == "reply_markup" and not isinstance(value, dict):
            raise bad_request("object expected as reply markup", detail=name)
        try:
            spec.check(value, objects, name)
        except Invalid as problem:
            raise _invalid(problem, name) from None
        return value
    parsed = _scalar(value, types)
    if parsed is None:
        raise _mistyped(name, types)
    try:
        spec.check_limits(method_name, field, parsed, name)
    except Invalid as problem:
        too_long = f"{name} is too long" if _too_long(field, parsed) else None
        code = TELEGRAM_CODES.get((method_name, name))
        raise bad_request(code or too_long or problem.message, detail=name) from None
    return parsed


def _scalar(value: Any, types: list[str]) -> Any:
    """value read as the first scalar type that fits, or None."""
    for type_name in types:
        if isinstance(value, str):
            if type_name == "Integer" and _INTEGER.fullmatch(value):
                return int(value)
            if type_name in ("Boolean", "True") and value.lower() in _BOOLEANS:
                return _BOOLEANS[value.lower()]
            if type_name == "Float":
                try:
                    return float(value)
                except ValueError:
                    continue
            if type_name in ("String", "InputFile"):
                return value
        elif isinstance(value, bool):
            if type_name in ("Boolean", "True"):
                return value
        elif isinstance(value, int):
            if type_name == "Boolean" and value in (0, 1):
                return bool(value)
            if type_name in ("Integer", "Float"):
                return value
            if type_name == "String":
                return str(value)
        elif isinstance(value, float):
            if type_name == "Float":
                return value
    return None


def _too_long(field: dict, value: Any) -> bool:
    return "length" in field and isinstance(value, str) and len(value) > field["length"][1]


def _mistyped(name: str, types: list[str]) -> ApiError:
    return bad_request(f'field "{name}" must be of type {" or ".join(types)}', detail=name)


def _invalid(problem: Invalid, param: str) -> ApiError:
    """Telegram's description of a malformed object parameter."""
    if problem.code:
        return bad_request(problem.code, detail=problem.path)
    owner_words = [OWNER_WORDS[owner] for owner in problem.owners if owner in OWNER_WORDS]
    what = owner_words[0] if owner_words else PARAM_WORDS.get(param, param)
    return bad_request(f"can't parse {what}: {problem.message}", detail=problem.path)
