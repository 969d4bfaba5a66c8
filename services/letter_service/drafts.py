"""The guided letter request: one question per field, a summary to send or change.

Its state is a `bot_letter_drafts` row per chat (kind, answers so far, the field asked), so a
restart of any part loses nothing and the gateway stays stateless. Sending goes through the same
`submit` as the one-line request, and the draft is deleted in that transaction.

No draft begins while a request is in process (the refusal says which, and what can be done).
A request the office returned to be completed (Belum Lengkap) opens as a draft too, prefilled
with its answers (`request_id` set); sending it updates that request instead of filing one.
A button of a draft that is gone (sent, cancelled) says so over the chat and goes away.
"""

from __future__ import annotations

import json

from sqlalchemy import delete
from sqlalchemy.orm import Session

from libs import texts
from libs.contracts import Outgoing
from libs.formatting import value
from libs.siades.bot_models import LetterDraft
from libs.siades.letter_forms import LetterForm, kind_of, letter_form
from libs.siades.letter_kinds import KINDS, Field, LetterKind
from libs.vocabulary import callbacks
from libs.vocabulary.states import RequestState
from services.letter_service import letter_requests
from services.letter_service.fields import FieldError, check_answer, choices_text
from services.letter_service.submission import (
    Context,
    field_lines,
    form_of,
    refusal_if_pending,
    submit,
)


def start(ctx: Context, kind: LetterKind) -> list[Outgoing]:
    """Begin (or begin again) a request of `kind` with its first question, unless a request
    is in process."""
    refusal = refusal_if_pending(ctx)
    if refusal is not None:
        return refusal
    form = form_of(ctx, kind)
    if not isinstance(form, LetterForm):
        return form
    _keep(ctx, kind, {}, form.fields[0].name, None)
    return _ask(ctx, form, form.fields[0])


def complete(ctx: Context, request_id: int) -> list[Outgoing]:
    """Open a returned request (Belum Lengkap) as a draft with its answers: the summary, or
    the first field it lacks."""
    request = letter_requests.own(ctx.session, ctx.resident, request_id)
    if request is None:
        return ctx.spent(texts.SPENT_UNKNOWN)
    if request.status != RequestState.INCOMPLETE:
        return ctx.spent(texts.SPENT_COMPLETE.format(
            number=request.id, state=letter_requests.state_name(ctx.session, request)))
    kind = kind_of(ctx.session, request)
    if kind is None:  # a format residents do not request in the chat
        return ctx.reply(texts.LETTER_COMPLETE_AT_OFFICE.format(number=request.id))
    form = form_of(ctx, kind)
    if not isinstance(form, LetterForm):
        return form
    answers = letter_requests.stored_answers(form, request)
    missing = next((f for f in form.fields if f.name not in answers), None)
    draft = _keep(ctx, kind, answers, missing.name if missing else None, request.id)
    if missing is not None:
        return _ask(ctx, form, missing)
    return _summary(ctx, form, draft, answers)


def answer(ctx: Context, text: str) -> list[Outgoing] | None:
    """Take the answer to the question asked; None when no question is open."""
    draft = ctx.session.get(LetterDraft, ctx.command.chat_id)
    form = _form(ctx, draft)
    field = _field(form, draft.awaiting) if form is not None and draft.awaiting else None
    if field is None:
        return None
    try:
        answers = {**_answers(draft), field.name: check_answer(field, text)}
    except FieldError as error:
        return ctx.reply(error.message + "\n\n" + _question(form, field),
                         _keyboard([[texts.DRAFT_CANCEL_BUTTON]]))
    draft.fields = json.dumps(answers, ensure_ascii=False)
    following = next((f for f in form.fields if f.name not in answers), None)
    draft.awaiting = following.name if following else None
    if following is not None:
        return _ask(ctx, form, following)
    return _summary(ctx, form, draft, answers)


def change(ctx: Context, field_name: str) -> list[Outgoing]:
    """Ask one field again (the summary's buttons are spent: a new summary follows)."""
    draft = ctx.session.get(LetterDraft, ctx.command.chat_id)
    form = _form(ctx, draft)
    if form is None:
        return _gone(ctx)
    field = _field(form, field_name)
    if field is None:
        return _summary(ctx, form, draft, _answers(draft))
    draft.awaiting = field.name
    return _ask(ctx, form, field, spent=True)


def send(ctx: Context) -> list[Outgoing]:
    """Submit the completed draft (the one-in-process rule applies) and forget it; a returned
    request's draft goes back to the office as that request."""
    draft = ctx.session.get(LetterDraft, ctx.command.chat_id)
    form = _form(ctx, draft)
    if form is None:
        return _gone(ctx)
    answers = _answers(draft)
    # The format may have gained a field in OpenSID's admin since the draft began: ask it.
    missing = next((f for f in form.fields if f.name not in answers), None)
    if missing is not None:
        draft.awaiting = missing.name
        return _ask(ctx, form, missing)
    fields = {f.name: answers[f.name] for f in form.fields}
    returned = draft.request_id
    if returned is not None:
        ctx.session.delete(draft)
        return _resubmit(ctx, form, returned, fields)
    refusal = refusal_if_pending(ctx)  # the answers are kept for when that one is done
    if refusal is not None:
        return refusal
    ctx.session.delete(draft)
    return submit(ctx, form, fields)


def cancel(ctx: Context) -> list[Outgoing]:
    """The draft's own cancel button."""
    if discard(ctx.session, ctx.command.chat_id):
        return ctx.reply(texts.DRAFT_CANCELLED, spent=True)
    return _gone(ctx)


def discard(session: Session, chat_id: int) -> bool:
    """Forget the chat's draft; whether there was one."""
    return session.execute(delete(LetterDraft).where(LetterDraft.chat_id == chat_id)).rowcount > 0


def _keep(ctx: Context, kind: LetterKind, answers: dict[str, str], awaiting: str | None,
          request_id: int | None) -> LetterDraft:
    """Store the chat's draft, replacing any it had."""
    draft = LetterDraft(chat_id=ctx.command.chat_id, kind=kind.code,
                        fields=json.dumps(answers, ensure_ascii=False), awaiting=awaiting,
                        request_id=request_id)
    return ctx.session.merge(draft)


def _resubmit(ctx: Context, form: LetterForm, request_id: int,
              fields: dict[str, str]) -> list[Outgoing]:
    request = letter_requests.resubmit(ctx.session, ctx.resident, request_id, form, fields,
                                ctx.local_now, ctx.now)
    if request is None:  # the office moved it on (or cancelled it) meanwhile
        current = letter_requests.own(ctx.session, ctx.resident, request_id)
        return ctx.spent(texts.SPENT_COMPLETE.format(
            number=request_id,
            state=letter_requests.state_name(ctx.session, current) if current else "-"))
    return ctx.reply(texts.LETTER_RESUBMITTED.format(
        title=form.kind.title, number=request.id, fields=field_lines(form, fields)),
        spent=True)


def _gone(ctx: Context) -> list[Outgoing]:
    """A draft button (or `AJUKAN KIRIM` typed) with no draft: say where things stand."""
    latest = letter_requests.history(ctx.session, ctx.resident)[:1]
    if not latest:
        return ctx.spent(texts.SPENT_DRAFT_NONE)
    request = latest[0]
    return ctx.spent(texts.SPENT_DRAFT.format(
        number=request.id, title=ctx.title_of(request),
        state=letter_requests.state_name(ctx.session, request)))


def _form(ctx: Context, draft: LetterDraft | None) -> LetterForm | None:
    """The draft's kind as the database has it now; None without a draft (or a format)."""
    if draft is None or draft.kind not in KINDS:
        return None
    return letter_form(ctx.session, KINDS[draft.kind])


def _ask(ctx: Context, form: LetterForm, field: Field, spent: bool = False) -> list[Outgoing]:
    return ctx.reply(_question(form, field), _keyboard([[texts.DRAFT_CANCEL_BUTTON]]), spent)


def _question(form: LetterForm, field: Field) -> str:
    question = value(field.question)
    if field.choices:
        question += "\n" + texts.LETTER_FIELD_CHOICES.format(choices=choices_text(field))
    if not field.required:
        question += "\n" + texts.LETTER_FIELD_OPTIONAL
    return texts.DRAFT_QUESTION.format(title=form.kind.title,
                                       step=form.fields.index(field) + 1,
                                       steps=len(form.fields), question=question)


def _summary(ctx: Context, form: LetterForm, draft: LetterDraft,
             answers: dict[str, str]) -> list[Outgoing]:
    changes = [{"text": texts.DRAFT_CHANGE_BUTTON.format(label=f.label),
                "callback_data": callbacks.draft(callbacks.CHANGE, f.name)} for f in form.fields]
    rows = [[texts.DRAFT_SEND_BUTTON], *[[button] for button in changes],
            [texts.DRAFT_CANCEL_BUTTON]]
    fields = field_lines(form, answers)
    if draft.request_id is None:
        text = texts.DRAFT_SUMMARY.format(title=form.kind.title, fields=fields)
    else:
        returned = letter_requests.own(ctx.session, ctx.resident, draft.request_id)
        note = letter_requests.office_message(ctx.session, returned) if returned else None
        missing = texts.DRAFT_MISSING.format(note=value(note)) if note else ""
        text = texts.DRAFT_SUMMARY_COMPLETING.format(number=draft.request_id,
                                                     title=form.kind.title, fields=fields,
                                                     missing=missing)
    return ctx.reply(text, _keyboard(rows))


def _keyboard(rows: list[list[dict]]) -> dict:
    return {"inline_keyboard": rows}


def _field(form: LetterForm, name: str) -> Field | None:
    return next((f for f in form.fields if f.name == name), None)


def _answers(draft: LetterDraft) -> dict[str, str]:
    try:
        answers = json.loads(draft.fields or "{}")
    except ValueError:
        return {}
    return answers if isinstance(answers, dict) else {}
