"""The guided letter request: one question per field, a summary to send or change.

Its state is a `bot_letter_drafts` row per chat (kind, answers so far, the field asked), so a
restart of any part loses nothing and the gateway stays stateless. Sending goes through the same
`submit` as the one-line request, and the draft is deleted in that transaction.
"""

from __future__ import annotations

import json

from sqlalchemy import delete
from sqlalchemy.orm import Session

from libs import texts
from libs.contracts import Outgoing
from libs.formatting import value
from libs.siades.bot_models import LetterDraft
from libs.siades.letter_forms import LetterForm, letter_form
from libs.siades.letter_kinds import KINDS, Field, LetterKind
from services.letter_service.fields import FieldError, check_answer, choices_text
from services.letter_service.submission import Context, field_lines, form_of, submit


def start(ctx: Context, kind: LetterKind) -> list[Outgoing]:
    """Begin (or begin again) a request of `kind` with its first question."""
    form = form_of(ctx, kind)
    if not isinstance(form, LetterForm):
        return form
    session = ctx.session
    draft = session.get(LetterDraft, ctx.command.chat_id) or LetterDraft(
        chat_id=ctx.command.chat_id)
    draft.kind, draft.fields, draft.awaiting = kind.code, "{}", form.fields[0].name
    session.merge(draft)
    return _ask(ctx, form, form.fields[0])


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
    return _summary(ctx, form, answers)


def change(ctx: Context, field_name: str) -> list[Outgoing]:
    """Ask one field again."""
    draft = ctx.session.get(LetterDraft, ctx.command.chat_id)
    form = _form(ctx, draft)
    field = _field(form, field_name) if form is not None else None
    if field is None:
        return ctx.reply(texts.DRAFT_NONE)
    draft.awaiting = field.name
    return _ask(ctx, form, field)


def send(ctx: Context) -> list[Outgoing]:
    """Submit the completed draft (the one-in-process rule applies) and forget it."""
    draft = ctx.session.get(LetterDraft, ctx.command.chat_id)
    form = _form(ctx, draft)
    if form is None:
        return ctx.reply(texts.DRAFT_NONE)
    answers = _answers(draft)
    # The format may have gained a field in OpenSID's admin since the draft began: ask it.
    missing = next((f for f in form.fields if f.name not in answers), None)
    if missing is not None:
        draft.awaiting = missing.name
        return _ask(ctx, form, missing)
    ctx.session.delete(draft)
    return submit(ctx, form, {f.name: answers[f.name] for f in form.fields})


def discard(session: Session, chat_id: int) -> bool:
    """Forget the chat's draft; whether there was one."""
    return session.execute(delete(LetterDraft).where(LetterDraft.chat_id == chat_id)).rowcount > 0


def _form(ctx: Context, draft: LetterDraft | None) -> LetterForm | None:
    """The draft's kind as the database has it now; None without a draft (or a format)."""
    if draft is None or draft.kind not in KINDS:
        return None
    return letter_form(ctx.session, KINDS[draft.kind])


def _ask(ctx: Context, form: LetterForm, field: Field) -> list[Outgoing]:
    return ctx.reply(_question(form, field), _keyboard([[texts.DRAFT_CANCEL_BUTTON]]))


def _question(form: LetterForm, field: Field) -> str:
    question = value(field.question)
    if field.choices:
        question += "\n" + texts.LETTER_FIELD_CHOICES.format(choices=choices_text(field))
    if not field.required:
        question += "\n" + texts.LETTER_FIELD_OPTIONAL
    return texts.DRAFT_QUESTION.format(title=form.kind.title,
                                       step=form.fields.index(field) + 1,
                                       steps=len(form.fields), question=question)


def _summary(ctx: Context, form: LetterForm, answers: dict[str, str]) -> list[Outgoing]:
    changes = [{"text": texts.DRAFT_CHANGE_BUTTON.format(label=f.label),
                "callback_data": f"AJUKAN UBAH {f.name}"} for f in form.fields]
    rows = [[texts.DRAFT_SEND_BUTTON], *[[button] for button in changes],
            [texts.DRAFT_CANCEL_BUTTON]]
    text = texts.DRAFT_SUMMARY.format(title=form.kind.title, fields=field_lines(form, answers))
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
