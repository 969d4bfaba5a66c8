"""Checking what a resident filled in: every field present and of a sensible length.

A refusal names the field that is wrong, so the resident knows what to type again.
"""

from __future__ import annotations

from libs import texts
from libs.formatting import value
from libs.siades.letter_kinds import Field, LetterKind


class FieldError(ValueError):
    """A field is missing or out of bounds; `message` is what the resident reads."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def clean(text: str) -> str:
    """One line, single spaces: what the letter will print."""
    return " ".join(text.split())


def check_answer(field: Field, text: str) -> str:
    """One field's answer, cleaned, or FieldError."""
    answer = clean(text)
    if len(answer) < field.min_length:
        raise FieldError(texts.LETTER_FIELD_TOO_SHORT.format(
            label=field.label.capitalize(), minimum=field.min_length))
    if len(answer) > field.max_length:
        raise FieldError(texts.LETTER_FIELD_TOO_LONG.format(
            label=field.label.capitalize(), maximum=field.max_length, length=len(answer)))
    return answer


def check_fields(kind: LetterKind, given: tuple[str, ...]) -> dict[str, str]:
    """The one-line request's fields by name, or FieldError naming the first wrong one."""
    if len(given) > len(kind.fields):
        raise FieldError(texts.LETTER_TOO_MANY_FIELDS.format(
            code=kind.code, count=len(kind.fields), syntax=value(kind.syntax),
            example=value(kind.example_text)))
    fields = {}
    for index, field in enumerate(kind.fields):
        text = given[index] if index < len(given) else ""
        if not clean(text):
            raise FieldError(texts.LETTER_FIELD_MISSING.format(
                label=field.label.capitalize(), syntax=value(kind.syntax),
                example=value(kind.example_text)))
        fields[field.name] = check_answer(field, text)
    return fields
