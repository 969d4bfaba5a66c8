"""Checking what a resident filled in: every field present, of a sensible length, and of its
type (a number, a date, a time, one of the format's choices).

A refusal names the field that is wrong, so the resident knows what to type again.
"""

from __future__ import annotations

import re
from datetime import date

from libs import texts
from libs.formatting import value
from libs.siades.letter_forms import LetterForm
from libs.siades.letter_kinds import CHOICE, DATE, NUMBER, TIME, Field

SKIP = "-"  # how a resident leaves an optional field empty
_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$")


class FieldError(ValueError):
    """A field is missing, out of bounds or of the wrong type; `message` is for the resident."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def clean(text: str) -> str:
    """One line, single spaces: what the letter will print."""
    return " ".join(text.split())


def check_answer(field: Field, text: str) -> str:
    """One field's answer, cleaned and in the form OpenSID's own form would send, or
    FieldError."""
    answer = clean(text)
    label = field.label.capitalize()
    if not field.required and answer in ("", SKIP):
        return ""
    if field.kind == NUMBER:
        digits = answer.replace(" ", "").replace(".", "")
        if not digits.isdigit():
            raise FieldError(texts.LETTER_FIELD_NOT_NUMBER.format(label=label))
        return digits
    if field.kind == DATE:
        return _date(answer, label)
    if field.kind == TIME:
        return _time(answer, label)
    if field.kind == CHOICE:
        return _choice(field, answer, label)
    if len(answer) < field.min_length:
        raise FieldError(texts.LETTER_FIELD_TOO_SHORT.format(label=label,
                                                             minimum=field.min_length))
    if len(answer) > field.max_length:
        raise FieldError(texts.LETTER_FIELD_TOO_LONG.format(
            label=label, maximum=field.max_length, length=len(answer)))
    return answer


def _date(answer: str, label: str) -> str:
    """DD-MM-YYYY, as OpenSID's date picker writes it."""
    match = _DATE.match(answer)
    try:
        day, month, year = (int(part) for part in match.groups()) if match else (0, 0, 0)
        return date(year, month, day).strftime("%d-%m-%Y")
    except ValueError:
        raise FieldError(texts.LETTER_FIELD_NOT_DATE.format(label=label)) from None


def _time(answer: str, label: str) -> str:
    """HH:MM:SS, as OpenSID's time picker writes it."""
    match = _TIME.match(answer)
    hours, minutes, seconds = (int(p or 0) for p in match.groups()) if match else (99, 0, 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        raise FieldError(texts.LETTER_FIELD_NOT_TIME.format(label=label))
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}"


def _choice(field: Field, answer: str, label: str) -> str:
    """One of the choices, by its text (any case) or its number in the list."""
    if answer.isdigit() and 1 <= int(answer) <= len(field.choices):
        return field.choices[int(answer) - 1]
    for choice in field.choices:
        if choice.casefold() == answer.casefold():
            return choice
    raise FieldError(texts.LETTER_FIELD_NOT_CHOICE.format(label=label,
                                                         choices=choices_text(field)))


def choices_text(field: Field) -> str:
    """`1. Tanah Sawah, 2. Tanah Darat`, escaped."""
    return ", ".join(f"{i}. {value(choice)}" for i, choice in enumerate(field.choices, 1))


def check_fields(form: LetterForm, given: tuple[str, ...]) -> dict[str, str]:
    """The one-line request's fields by name, or FieldError naming the first wrong one."""
    if len(given) > len(form.fields):
        raise FieldError(texts.LETTER_TOO_MANY_FIELDS.format(
            code=form.kind.code, count=len(form.fields), syntax=value(form.syntax),
            example=value(form.example_text)))
    fields = {}
    for index, field in enumerate(form.fields):
        text = given[index] if index < len(given) else ""
        if field.required and not clean(text):
            raise FieldError(texts.LETTER_FIELD_MISSING.format(
                label=field.label.capitalize(), syntax=value(form.syntax),
                example=value(form.example_text)))
        fields[field.name] = check_answer(field, text)
    return fields
