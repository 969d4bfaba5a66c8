"""What the one-line and the guided request share: the command's context, and submitting."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from libs import texts
from libs.config import Settings
from libs.contracts import Command, Outgoing
from libs.formatting import local_time, tanggal, value
from libs.replies import reply
from libs.siades.letter_forms import LetterForm, letter_form
from libs.siades.letter_kinds import LetterKind
from libs.siades.models import MaritalStatus, Resident
from services.letter_service import requests


class Context:
    """One command's surroundings, handed to each action."""

    def __init__(self, command: Command, session: Session, settings: Settings, now: datetime,
                 resident: Resident):
        self.command, self.session, self.settings = command, session, settings
        self.now, self.resident = now, resident
        self.local_now = local_time(now, settings.timezone)

    def reply(self, text: str, keyboard: dict | None = None) -> list[Outgoing]:
        return reply(self.command, text, keyboard or texts.MAIN_MENU)


def form_of(ctx: Context, kind: LetterKind) -> LetterForm | list[Outgoing]:
    """The kind as the village's database has it, or the reply that it cannot be requested
    (its format is missing, or the registry says the letter is not for this resident)."""
    if kind.marital_status is not None and ctx.resident.marital_status_id != kind.marital_status:
        status = ctx.session.get(MaritalStatus, ctx.resident.marital_status_id) \
            if ctx.resident.marital_status_id is not None else None
        return ctx.reply(texts.LETTER_NOT_FOR_MARITAL_STATUS.format(
            title=kind.title, status=value(status.name if status else None)))
    form = letter_form(ctx.session, kind)
    if form is None:
        return ctx.reply(texts.LETTER_UNAVAILABLE.format(title=kind.title))
    return form


def submit(ctx: Context, form: LetterForm, fields: dict[str, str]) -> list[Outgoing]:
    """File the request, or say which one is still in process."""
    outcome = requests.submit(ctx.session, ctx.resident, form, fields, ctx.local_now, ctx.now)
    if isinstance(outcome, requests.Pending):
        pending = outcome.request
        pending_kind = requests.kind_of(ctx.session, pending)
        return ctx.reply(texts.LETTER_PENDING.format(
            title=pending_kind.title if pending_kind else "surat", number=pending.id,
            date=tanggal(pending.created_at)))
    return ctx.reply(texts.LETTER_SUBMITTED.format(
        title=form.kind.title, number=outcome.id, fields=field_lines(form, fields)))


def field_lines(form: LetterForm, fields: dict[str, str]) -> str:
    """The fields as `• label: value` lines, escaped."""
    return "\n".join(texts.LETTER_FIELD_LINE.format(label=field.label.capitalize(),
                                                    value=value(fields.get(field.name)))
                     for field in form.fields)
