"""Letter commands: the kinds, requests (one line or guided), their status, cancelling.

    Surat                    the kinds, with a button per kind to start the guided request
    SKU                      how to request it in one line, with an example
    SKU#usaha#tujuan#guna    a request (each field checked; one in process per resident)
    AJUKAN SKU / KIRIM / UBAH <field> / BATAL    the guided request, one question per field
    any other text           the answer to the question asked, else the short help
    Status, Batal            the resident's requests; cancel the one in process
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from libs import texts
from libs.config import Settings
from libs.contracts import Command, Outgoing
from libs.formatting import tanggal, value
from libs.replies import reply
from libs.siades import queries
from libs.siades.letter_forms import LetterForm, kinds_by_format
from libs.siades.letter_kinds import KINDS
from services.letter_service import drafts, requests
from services.letter_service.fields import FieldError, check_fields
from services.letter_service.submission import Context, form_of, submit


def handle(command: Command, session: Session, settings: Settings, now: datetime
           ) -> list[Outgoing]:
    """Answer one letter command."""
    resident = queries.resident_by_chat(session, command.chat_id)
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
    start = {"text": f"Isi {kind.code} langkah demi langkah",
             "callback_data": f"AJUKAN {kind.code}"}
    return ctx.reply(text, {"inline_keyboard": [[start]]})


def request_in_one_line(ctx: Context) -> list[Outgoing]:
    form = form_of(ctx, KINDS[ctx.command.args[0]])
    if not isinstance(form, LetterForm):
        return form
    try:
        fields = check_fields(form, ctx.command.args[1:])
    except FieldError as error:
        return ctx.reply(error.message)
    return submit(ctx, form, fields)


def status(ctx: Context) -> list[Outgoing]:
    found = requests.history(ctx.session, ctx.resident)
    if not found:
        return ctx.reply(texts.LETTER_STATUS_NONE)
    lines = [texts.LETTER_STATUS_HEADER]
    kinds = kinds_by_format(ctx.session)  # one look at the formats for the whole list
    for request in found:
        kind = kinds.get(request.format_id)
        line = texts.LETTER_STATUS_ENTRY.format(
            number=request.id, title=kind.title if kind else "Surat",
            state=texts.LETTER_STATES.get(request.status, "-"),
            submitted=tanggal(request.created_at), updated=tanggal(request.updated_at))
        if request.note:
            line += texts.LETTER_STATUS_NOTE.format(note=value(request.note))
        lines.append(line)
    return ctx.reply("\n".join(lines))


def cancel(ctx: Context) -> list[Outgoing]:
    """`Batal`: the guided request being filled in first, else the request in process."""
    if drafts.discard(ctx.session, ctx.command.chat_id):
        return ctx.reply(texts.DRAFT_CANCELLED)
    cancelled = requests.cancel(ctx.session, ctx.resident, texts.LETTER_CANCEL_NOTE,
                                ctx.local_now, ctx.now)
    if cancelled is not None:
        kind = requests.kind_of(ctx.session, cancelled)
        return ctx.reply(texts.LETTER_CANCELLED.format(
            title=kind.title if kind else "surat", number=cancelled.id))
    ready = requests.latest_ready(ctx.session, ctx.resident)
    if ready is not None:
        kind = requests.kind_of(ctx.session, ready)
        return ctx.reply(texts.LETTER_CANCEL_SIGNED.format(
            title=kind.title if kind else "surat", number=ready.id))
    return ctx.reply(texts.LETTER_CANCEL_NONE)


def draft(ctx: Context) -> list[Outgoing]:
    """The guided request's buttons: start a kind, send, change a field, cancel."""
    args = [arg.upper() for arg in ctx.command.args]
    step = args[0] if args else ""
    if step in KINDS:
        return drafts.start(ctx, KINDS[step])
    if step == "KIRIM":
        return drafts.send(ctx)
    if step == "UBAH" and len(args) > 1:
        return drafts.change(ctx, ctx.command.args[1].lower())
    if step == "BATAL":
        discarded = drafts.discard(ctx.session, ctx.command.chat_id)
        return ctx.reply(texts.DRAFT_CANCELLED if discarded else texts.DRAFT_NONE)
    return list_kinds(ctx)


def answer(ctx: Context) -> list[Outgoing]:
    """Free text: the answer to the guided request's question, if one was asked."""
    answered = drafts.answer(ctx, ctx.command.args[0] if ctx.command.args else "")
    if answered is not None:
        return answered
    return ctx.reply(texts.UNKNOWN_COMMAND)


ACTIONS = {
    "list": list_kinds,
    "help": how_to,
    "request": request_in_one_line,
    "status": status,
    "cancel": cancel,
    "draft": draft,
    "answer": answer,
}
