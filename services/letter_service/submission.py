"""What the one-line and the guided request share: the command's context, the refusal while a
request is in process, and submitting."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from libs import texts
from libs.config import Settings
from libs.contracts import Command, Outgoing
from libs.formatting import local_time, tanggal, value
from libs.replies import Replies
from libs.siades.letter_forms import LetterForm, kind_of, letter_form
from libs.siades.letter_kinds import LetterKind
from libs.siades.letters import LetterRequest
from libs.siades.models import MaritalStatus, Resident
from libs.vocabulary import callbacks
from libs.vocabulary.states import RequestState
from services.letter_service import letter_requests


class Context:
    """One command's surroundings, handed to each action."""

    def __init__(self, command: Command, session: Session, settings: Settings, now: datetime,
                 resident: Resident):
        self.command, self.session, self.settings = command, session, settings
        self.now, self.resident = now, resident
        self.local_now = local_time(now, settings.timezone)

    @property
    def tapped(self) -> bool:
        """Whether the command came from an inline button."""
        return self.command.callback_query_id is not None

    def reply(self, text: str, keyboard: dict | None = None,
              spent: bool = False) -> list[Outgoing]:
        """One message to the chat; `spent`: the tapped button's keyboard has done its job
        and is taken off its message first."""
        replies = Replies(self.command)
        if spent:
            replies.remove_keyboard()
        return replies.add(text, keyboard or texts.MAIN_MENU)

    def spent(self, text: str) -> list[Outgoing]:
        """A button whose moment has passed: `text` (plain) over the chat and its keyboard
        taken off; typed instead of tapped, `text` as a message."""
        if not self.tapped:
            return self.reply(text)
        replies = Replies(self.command)
        replies.answer(text)
        return replies.remove_keyboard()

    def title_of(self, request: LetterRequest) -> str:
        """The request's letter kind by its title ("surat" for a format not asked here)."""
        kind = kind_of(self.session, request)
        return kind.title if kind else texts.LETTER_UNNAMED


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


def refusal_if_pending(ctx: Context) -> list[Outgoing] | None:
    """The refusal to start a request while one is in process, None when none is."""
    pending = letter_requests.in_process(ctx.session, ctx.resident)
    return pending_refusal(ctx, pending) if pending is not None else None


def pending_refusal(ctx: Context, pending: LetterRequest) -> list[Outgoing]:
    """Say which request is in process, its state, and offer what can be done about it."""
    template = texts.LETTER_PENDING_INCOMPLETE if pending.status == RequestState.INCOMPLETE \
        else texts.LETTER_PENDING
    text = template.format(title=ctx.title_of(pending), number=pending.id,
                           date=tanggal(pending.created_at),
                           state=letter_requests.state_name(ctx.session, pending))
    first = complete_button(pending) if pending.status == RequestState.INCOMPLETE \
        else texts.LETTER_STATUS_BUTTON
    cancel = {"text": texts.LETTER_CANCEL_ASK_BUTTON.format(number=pending.id),
              "callback_data": callbacks.cancel(pending.id)}
    return ctx.reply(text, {"inline_keyboard": [[first], [cancel]]})


def complete_button(request: LetterRequest) -> dict:
    """The button that opens a returned request (Belum Lengkap) to complete it."""
    return {"text": texts.LETTER_COMPLETE_BUTTON,
            "callback_data": callbacks.draft(callbacks.COMPLETE, request.id)}


def submit(ctx: Context, form: LetterForm, fields: dict[str, str]) -> list[Outgoing]:
    """File the request, or say which one is still in process."""
    outcome = letter_requests.submit(
        ctx.session, ctx.resident, form, fields, ctx.local_now, ctx.now)
    if isinstance(outcome, letter_requests.Pending):
        return pending_refusal(ctx, outcome.request)
    return ctx.reply(texts.LETTER_SUBMITTED.format(
        title=form.kind.title, number=outcome.id, fields=field_lines(form, fields)),
        spent=True)


def field_lines(form: LetterForm, fields: dict[str, str]) -> str:
    """The fields as `• label: value` lines, escaped."""
    return "\n".join(texts.LETTER_FIELD_LINE.format(label=field.label.capitalize(),
                                                    value=value(fields.get(field.name)))
                     for field in form.fields)
