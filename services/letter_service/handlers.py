"""Letter commands: the kinds, requests (one line or guided), their status, cancelling.

    Surat                    the kinds, with a button per kind to start the guided request
    SKU                      how to request it in one line, with an example
    SKU#usaha#tujuan#guna    a request (each field checked; one in process per resident)
    AJUKAN SKU / KIRIM / UBAH <field> / BATAL    the guided request, one question per field
    AJUKAN LENGKAPI <id>     complete a request the office returned (Belum Lengkap)
    any other text           the answer to the question asked, else the short help
    Status                   the resident's requests, then their complaints
    Aduan / ADUAN#judul#isi  a complaint, guided or in one line (complaints/flow.py); a photo
                             or a location sent is a step of it
    STAF <code>              a staff member links their own Telegram (staff_link.py)
    Batal [<id>]             cancel the guided form being filled in; else ask to confirm
                             cancelling the request in process (its buttons:
                             AJUKAN BATALKAN <id> / AJUKAN LANJUTKAN <id>)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from libs import texts
from libs.config import Settings
from libs.contracts import Command, Outgoing
from libs.formatting import local_time, tanggal, value
from libs.replies import reply
from libs.siades.bot_models import ComplaintDraft, LetterDraft
from libs.siades.letter_forms import LetterForm, kinds_by_format
from libs.siades.letter_kinds import KINDS
from libs.siades.letters import LetterRequest
from libs.siades.queries import registration
from libs.vocabulary import callbacks
from libs.vocabulary.states import IN_PROCESS, RequestState
from services.letter_service import drafts, letter_requests, staff_link
from services.letter_service.complaints import flow as complaints
from services.letter_service.complaints import records as complaint_records
from services.letter_service.fields import FieldError, check_fields
from services.letter_service.submission import (
    Context,
    complete_button,
    form_of,
    refusal_if_pending,
    submit,
)


def handle(command: Command, session: Session, settings: Settings, now: datetime
           ) -> list[Outgoing]:
    """Answer one letter command."""
    if command.action == "staff":  # staff need not be residents
        return staff_link.handle(command, session, now)
    resident = registration.resident_by_chat(session, command.chat_id)
    if resident is None:
        if command.action == "answer":
            return reply(command, texts.UNKNOWN_COMMAND_UNREGISTERED, texts.REGISTER_MENU)
        return reply(command, texts.NOT_REGISTERED, texts.REGISTER_MENU)
    context = Context(command, session, settings, now, resident)
    action = ACTIONS.get(command.action)
    if action is None:
        return reply(command, texts.UNKNOWN_COMMAND, texts.MAIN_MENU)
    return action(context)


def list_kinds(ctx: Context) -> list[Outgoing]:
    return ctx.reply(texts.LETTER_KINDS, texts.LETTER_KIND_BUTTONS)


def how_to(ctx: Context) -> list[Outgoing]:
    kind = KINDS.get(ctx.command.args[0] if ctx.command.args else "")
    if kind is None:
        return list_kinds(ctx)
    form = form_of(ctx, kind)
    if not isinstance(form, LetterForm):
        return form
    text = texts.LETTER_HOW_TO.format(title=kind.title, syntax=value(form.syntax),
                                      example=value(form.example_text))
    start = {"text": texts.LETTER_HOW_TO_BUTTON.format(code=kind.code),
             "callback_data": callbacks.draft(kind.code)}
    return ctx.reply(text, {"inline_keyboard": [[start]]})


def request_in_one_line(ctx: Context) -> list[Outgoing]:
    refusal = refusal_if_pending(ctx)
    if refusal is not None:
        return refusal
    form = form_of(ctx, KINDS[ctx.command.args[0]])
    if not isinstance(form, LetterForm):
        return form
    try:
        fields = check_fields(form, ctx.command.args[1:])
    except FieldError as error:
        return ctx.reply(error.message)
    return submit(ctx, form, fields)


def status(ctx: Context) -> list[Outgoing]:
    """The resident's letter requests, then their complaints."""
    found = letter_requests.history(ctx.session, ctx.resident)
    filed = complaint_records.history(ctx.session, ctx.resident)
    if not found and not filed:
        return ctx.reply(texts.STATUS_NONE)
    sections = []
    if found:
        lines = [texts.LETTER_STATUS_HEADER]
        kinds = kinds_by_format(ctx.session)  # one look at the formats for the whole list
        for request in found:
            kind = kinds.get(request.format_id)
            lines.append(texts.LETTER_STATUS_ENTRY.format(
                number=request.id, title=kind.title if kind else texts.LETTER_UNNAMED_ENTRY,
                state=letter_requests.state_name(ctx.session, request),
                submitted=tanggal(request.created_at), updated=tanggal(request.updated_at))
                + _status_note(ctx, request))
        sections.append("\n".join(lines))
    if filed:
        sections.append("\n".join([texts.COMPLAINT_STATUS_HEADER, *(
            _complaint_line(ctx, complaint) for complaint in filed)]))
    returned = [[complete_button(r)] for r in found if r.status == RequestState.INCOMPLETE]
    return ctx.reply("\n\n".join(sections),
                     {"inline_keyboard": returned} if returned else None)


def _complaint_line(ctx: Context, complaint) -> str:
    answers = len(complaint_records.replies(ctx.session, complaint))
    return texts.COMPLAINT_STATUS_ENTRY.format(
        number=complaint.id, title=value(complaint.title),
        state=complaint_records.state_name(complaint.status),
        visibility=texts.COMPLAINT_STATUS_VISIBILITY[complaint.public],
        sent=tanggal(local_time(complaint.created_at, ctx.settings.timezone)),
        answers=texts.COMPLAINT_STATUS_ANSWERS.format(count=answers) if answers else "")


def _status_note(ctx: Context, request: LetterRequest) -> str:
    """What the resident should know beside a request's state: what is missing (and how to
    complete it), why it was rejected or withdrawn, or that they cancelled it."""
    if request.status == RequestState.INCOMPLETE:
        note = letter_requests.office_message(ctx.session, request)
        return texts.LETTER_STATUS_MISSING.format(note=value(note)) if note \
            else texts.LETTER_STATUS_MISSING_UNSAID
    end = letter_requests.ending(ctx.session, request)
    if end == letter_requests.CANCELLED_BY_RESIDENT:
        return texts.LETTER_STATUS_CANCELLED_BY_YOU
    note = letter_requests.reason(ctx.session, request) if end else None
    if not note:
        return ""
    rejected = end == letter_requests.REJECTED
    template = texts.LETTER_STATUS_REASON if rejected else texts.LETTER_STATUS_NOTE
    return template.format(note=value(note))


def cancel(ctx: Context) -> list[Outgoing]:
    """`Batal`: the guided form being filled in, and only it; else the confirmation to cancel
    the request in process (`Batal <id>`: that request)."""
    args = ctx.command.args
    if not args and complaints.discard(ctx):
        return ctx.reply(texts.COMPLAINT_CANCELLED)
    if not args and drafts.discard(ctx.session, ctx.command.chat_id):
        return ctx.reply(texts.DRAFT_CANCELLED)
    if args:
        request = _named(ctx, args[0])
        if request is None:
            return ctx.spent(texts.SPENT_UNKNOWN)
        if request.status not in IN_PROCESS:
            return _not_cancellable(ctx, request)
    else:
        request = letter_requests.in_process(ctx.session, ctx.resident)
    if request is None:
        ready = letter_requests.latest_ready(ctx.session, ctx.resident)
        if ready is not None:
            return ctx.reply(texts.LETTER_CANCEL_SIGNED.format(title=ctx.title_of(ready),
                                                               number=ready.id))
        return ctx.reply(texts.LETTER_CANCEL_NONE)
    text = texts.LETTER_CANCEL_CONFIRM.format(
        title=ctx.title_of(request), number=request.id, date=tanggal(request.created_at),
        state=letter_requests.state_name(ctx.session, request))
    buttons = [[{"text": texts.LETTER_CANCEL_YES_BUTTON.format(number=request.id),
                 "callback_data": callbacks.draft(callbacks.CONFIRM_CANCEL, request.id)}],
               [{"text": texts.LETTER_CANCEL_NO_BUTTON,
                 "callback_data": callbacks.draft(callbacks.KEEP, request.id)}]]
    return ctx.reply(text, {"inline_keyboard": buttons})


def confirm_cancel(ctx: Context, number: str) -> list[Outgoing]:
    """The confirmation's yes: cancel that request, if it is still in process."""
    request = _named(ctx, number)
    if request is None:
        return ctx.spent(texts.SPENT_UNKNOWN)
    cancelled = letter_requests.cancel(
        ctx.session, ctx.resident, request.id, ctx.local_now, ctx.now)
    if cancelled is None:
        return _not_cancellable(ctx, request)
    return ctx.reply(texts.LETTER_CANCELLED.format(title=ctx.title_of(cancelled),
                                                   number=cancelled.id), spent=True)


def keep(ctx: Context, number: str) -> list[Outgoing]:
    """The confirmation's no: nothing changes."""
    request = _named(ctx, number)
    if request is None:
        return ctx.spent(texts.SPENT_UNKNOWN)
    state = letter_requests.state_name(ctx.session, request)
    if request.status not in IN_PROCESS:
        return ctx.spent(texts.SPENT_KEEP.format(number=request.id, state=state))
    return ctx.reply(texts.LETTER_CANCEL_KEPT.format(title=ctx.title_of(request),
                                                     number=request.id, state=state),
                     spent=True)


def _named(ctx: Context, number: str) -> LetterRequest | None:
    """The resident's request by the number a button (or `Batal 12`) gives."""
    return letter_requests.own(ctx.session, ctx.resident, int(number)) if number.isdigit() else None


def _not_cancellable(ctx: Context, request: LetterRequest) -> list[Outgoing]:
    state = letter_requests.state_name(ctx.session, request)
    return ctx.spent(texts.SPENT_CANCEL.format(number=request.id, state=state))


def draft(ctx: Context) -> list[Outgoing]:
    """The guided request's buttons: start a kind, send, change a field, cancel; complete a
    returned request; confirm or refuse a cancellation."""
    args = [arg.upper() for arg in ctx.command.args]
    step = args[0] if args else ""
    if step in KINDS:
        return drafts.start(ctx, KINDS[step])
    if step == callbacks.SEND:
        return drafts.send(ctx)
    if step == callbacks.CHANGE and len(args) > 1:
        return drafts.change(ctx, ctx.command.args[1].lower())
    if step == callbacks.DISCARD:
        return drafts.cancel(ctx)
    if step in NUMBERED_STEPS and len(args) > 1:
        return NUMBERED_STEPS[step](ctx, args[1])
    return list_kinds(ctx)


def answer(ctx: Context) -> list[Outgoing]:
    """Free text: the answer to the question asked, the complaint's or the guided request's
    (the one begun or moved on last, if both are open)."""
    text = ctx.command.args[0] if ctx.command.args else ""
    for take in _by_recency(ctx, (complaints.answer, lambda c: drafts.answer(c, text))):
        answered = take(ctx)
        if answered is not None:
            return answered
    return ctx.reply(texts.UNKNOWN_COMMAND)


def _by_recency(ctx: Context, takers: tuple) -> tuple:
    """(complaint's, letter's) taker, the most recently touched draft's first."""
    complaint = ctx.session.get(ComplaintDraft, ctx.command.chat_id)
    letter = ctx.session.get(LetterDraft, ctx.command.chat_id)
    if complaint is not None and letter is not None and letter.updated_at > complaint.updated_at:
        return takers[::-1]
    return takers


def _complete(ctx: Context, number: str) -> list[Outgoing]:
    return drafts.complete(ctx, int(number)) if number.isdigit() else ctx.spent(
        texts.SPENT_UNKNOWN)


NUMBERED_STEPS = {callbacks.COMPLETE: _complete, callbacks.CONFIRM_CANCEL: confirm_cancel,
                  callbacks.KEEP: keep}
ACTIONS = {
    "list": list_kinds,
    "help": how_to,
    "request": request_in_one_line,
    "status": status,
    "cancel": cancel,
    "draft": draft,
    "answer": answer,
    "complaint": complaints.command,
    "attachment": complaints.attachment,
}
