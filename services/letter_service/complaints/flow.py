"""The complaint in the chat: guided (`Aduan`) or in one line (`ADUAN#judul#isi`).

The guided complaint asks four steps, each answered by a message or a button:

    1 isi      what happened (text, TEXT_MIN..TEXT_MAX characters)
    2 foto     a photo (Telegram photo, or an image sent as a file), or Lewati
    3 lokasi   a location (Telegram's location share), or Lewati
    4 publik   whether the village website may show it (Publik / Privat)
    summary    Kirim, Ubah <step>, Batalkan aduan

The one-line form gives the title and the text at once; only the public/private choice is
asked, and its answer sends it. The state is a `bot_complaint_drafts` row per chat, so a restart
of any part loses nothing. Every answer is checked where it is given, and a refusal says what
is wrong and asks the step again. A photo is recorded `pending` and downloaded by the notifier
(services/notifier/files.py), which tells the resident if it cannot be kept; the summary says
where it stands.
"""

from __future__ import annotations

from sqlalchemy import delete

from libs import texts
from libs.contracts import Outgoing
from libs.formatting import escape, value
from libs.replies import Replies
from libs.siades.bot_models import ComplaintDraft, ReceivedFile
from libs.vocabulary import complaints as words
from services.letter_service.complaints import records
from services.letter_service.submission import Context

TEXT_MIN, TEXT_MAX = 10, 1000
TITLE_MIN = 5
IMAGE_TYPES = ("image/jpeg", "image/png")
# Indonesia's extent, with a margin: a location outside is a mistake (or a joke).
LATITUDES, LONGITUDES = (-11.5, 6.5), (94.5, 141.5)
STEP_NUMBERS = {words.STEP_TEXT: 1, words.STEP_PHOTO: 2, words.STEP_LOCATION: 3,
                words.STEP_VISIBILITY: 4}


def command(ctx: Context) -> list[Outgoing]:
    """`Aduan` and its buttons: start, the one-line form, skip, choose, send, change, cancel."""
    args = ctx.command.args
    if args and args[0] == "#":
        return _one_line(ctx)
    step = args[0].upper() if args else ""
    if not step:
        return start(ctx)
    draft = ctx.session.get(ComplaintDraft, ctx.command.chat_id)
    if draft is None:
        return ctx.spent(texts.COMPLAINT_GONE)
    if step == words.DISCARD:
        return cancel(ctx)
    if step == words.SKIP and draft.awaiting in (words.STEP_PHOTO, words.STEP_LOCATION):
        return _skip(ctx, draft)
    if step in (words.PUBLIC, words.PRIVATE) and draft.awaiting == words.STEP_VISIBILITY:
        draft.public = step == words.PUBLIC
        return send(ctx, draft) if draft.one_line else _next(ctx, draft, spent=True)
    if step == words.SEND and draft.awaiting is None:
        return send(ctx, draft)
    if step == words.CHANGE and len(args) > 1 and args[1].lower() in words.STEPS:
        draft.awaiting = args[1].lower()
        return _ask(ctx, draft, spent=True)
    return _ask(ctx, draft)  # a button of an earlier step: ask the one open now


def start(ctx: Context) -> list[Outgoing]:
    """Begin a complaint (forgetting one half written), unless the daily limit is reached."""
    refusal = _over_limit(ctx)
    if refusal is not None:
        return refusal
    return _ask(ctx, _fresh(ctx, awaiting=words.STEP_TEXT, one_line=False))


def answer(ctx: Context) -> list[Outgoing] | None:
    """Free text while a complaint is being written: the text asked for, `Lewati`, or a
    reminder of what the step wants; None when no complaint is being written."""
    draft = ctx.session.get(ComplaintDraft, ctx.command.chat_id)
    if draft is None or draft.awaiting is None:
        return None
    text = ctx.command.text.strip()  # whole (the command's args are cut at 1,000)
    if draft.awaiting == words.STEP_TEXT:
        problem = _text_problem(text)
        if problem is not None:
            return _ask(ctx, draft, problem)
        draft.body, draft.title = text, records.title_from(text)
        return _next(ctx, draft)
    if text.lower() == texts.COMPLAINT_SKIP_TEXT.lower() and draft.awaiting in (
            words.STEP_PHOTO, words.STEP_LOCATION):
        return _skip(ctx, draft)
    wants = {words.STEP_PHOTO: texts.COMPLAINT_WANTS_PHOTO,
             words.STEP_LOCATION: texts.COMPLAINT_WANTS_LOCATION}
    return _ask(ctx, draft, wants.get(draft.awaiting, texts.COMPLAINT_WANTS_CHOICE))


def attachment(ctx: Context) -> list[Outgoing]:
    """A photo, a file or a location: the step asked for it, or it is explained."""
    carried = ctx.command.attachment or {}
    draft = ctx.session.get(ComplaintDraft, ctx.command.chat_id)
    if draft is None or draft.awaiting not in (words.STEP_PHOTO, words.STEP_LOCATION):
        if draft is not None and draft.awaiting is not None:
            return _ask(ctx, draft)
        return ctx.reply(texts.COMPLAINT_ATTACHMENT_UNASKED)
    kind = carried.get("type")
    if draft.awaiting == words.STEP_LOCATION:
        if kind != "location":
            return _ask(ctx, draft, texts.COMPLAINT_WANTS_LOCATION)
        return _take_location(ctx, draft, carried)
    if kind == "location":
        return _ask(ctx, draft, texts.COMPLAINT_WANTS_PHOTO)
    return _take_photo(ctx, draft, carried)


def cancel(ctx: Context) -> list[Outgoing]:
    """The draft's cancel button."""
    if discard(ctx):
        return ctx.reply(texts.COMPLAINT_CANCELLED, spent=True)
    return ctx.spent(texts.COMPLAINT_GONE)


def discard(ctx: Context) -> bool:
    """Forget the chat's complaint draft; whether there was one."""
    return ctx.session.execute(delete(ComplaintDraft).where(
        ComplaintDraft.chat_id == ctx.command.chat_id)).rowcount > 0


def send(ctx: Context, draft: ComplaintDraft) -> list[Outgoing]:
    """File the complaint the draft holds, and forget the draft."""
    refusal = _over_limit(ctx)
    if refusal is not None:
        return refusal
    complaint = records.file(
        ctx.session, ctx.resident, ctx.command.chat_id, title=draft.title, body=draft.body,
        public=bool(draft.public), photo_id=draft.photo_id, latitude=draft.latitude,
        longitude=draft.longitude, local_now=ctx.local_now, utc_now=ctx.now)
    ctx.session.delete(draft)
    return ctx.reply(texts.COMPLAINT_FILED.format(
        number=complaint.id, visibility=texts.COMPLAINT_FILED_VISIBILITY[complaint.public]),
        spent=True)


# --- the steps --------------------------------------------------------------------------------


def _one_line(ctx: Context) -> list[Outgoing]:
    """`ADUAN#judul#isi`: both checked, then the public/private choice."""
    refusal = _over_limit(ctx)
    if refusal is not None:
        return refusal
    # From the whole text: the command's fields are cut at 1,000 characters.
    parts = [part.strip() for part in ctx.command.text.split("#")[1:]]
    if len(parts) < 2 or not parts[0] or not "#".join(parts[1:]).strip():
        return ctx.reply(texts.COMPLAINT_ONE_LINE_HOW)
    title, body = parts[0], "#".join(parts[1:]).strip()
    if not TITLE_MIN <= len(title) <= records.TITLE_LENGTH:
        return ctx.reply(texts.COMPLAINT_TITLE_BAD.format(
            min=TITLE_MIN, max=records.TITLE_LENGTH, given=len(title)) + "\n\n"
            + texts.COMPLAINT_ONE_LINE_HOW)
    problem = _text_problem(body)
    if problem is not None:
        return ctx.reply(problem + "\n\n" + texts.COMPLAINT_ONE_LINE_HOW)
    return _ask(ctx, _fresh(ctx, title=title, body=body, awaiting=words.STEP_VISIBILITY,
                            one_line=True, photo_skipped=True, location_skipped=True))


def _fresh(ctx: Context, **values) -> ComplaintDraft:
    """The chat's draft, begun again with `values` (any earlier one forgotten)."""
    empty = {"title": None, "body": None, "photo_id": None, "photo_skipped": False,
             "latitude": None, "longitude": None, "location_skipped": False, "public": None}
    return ctx.session.merge(ComplaintDraft(chat_id=ctx.command.chat_id,
                                            **{**empty, **values}, updated_at=ctx.now))


def _text_problem(text: str) -> str | None:
    if len(text) < TEXT_MIN:
        return texts.COMPLAINT_TEXT_TOO_SHORT.format(min=TEXT_MIN, given=len(text))
    if len(text) > TEXT_MAX:
        return texts.COMPLAINT_TEXT_TOO_LONG.format(max=TEXT_MAX, given=len(text))
    return None


def _take_photo(ctx: Context, draft: ComplaintDraft, carried: dict) -> list[Outgoing]:
    if carried.get("type") == "document" and carried.get("mime_type") not in IMAGE_TYPES:
        return _ask(ctx, draft, texts.COMPLAINT_NOT_A_PHOTO)
    limit = ctx.settings.complaint_photo_max_bytes
    size = carried.get("file_size")
    if isinstance(size, int) and size > limit:
        return _ask(ctx, draft, texts.COMPLAINT_PHOTO_TOO_BIG.format(
            size=_size(size), limit=_size(limit)))
    received = ReceivedFile(chat_id=ctx.command.chat_id, file_id=carried["file_id"],
                            file_unique_id=carried["file_unique_id"], declared_size=size,
                            created_at=ctx.now)
    ctx.session.add(received)
    ctx.session.flush()
    draft.photo_id, draft.photo_skipped = received.id, False
    replies = Replies(ctx.command)
    replies.download(carried["file_id"], received.id, limit)  # before the next question
    return _next(ctx, draft, replies=replies, said=texts.COMPLAINT_PHOTO_TAKEN)


def _take_location(ctx: Context, draft: ComplaintDraft, carried: dict) -> list[Outgoing]:
    latitude, longitude = carried.get("latitude"), carried.get("longitude")
    if not (isinstance(latitude, int | float) and isinstance(longitude, int | float)):
        return _ask(ctx, draft, texts.COMPLAINT_WANTS_LOCATION)
    if not (LATITUDES[0] <= latitude <= LATITUDES[1]
            and LONGITUDES[0] <= longitude <= LONGITUDES[1]):
        return _ask(ctx, draft, texts.COMPLAINT_LOCATION_ABROAD.format(
            latitude=f"{latitude:.5f}", longitude=f"{longitude:.5f}"))
    draft.latitude, draft.longitude, draft.location_skipped = latitude, longitude, False
    return _next(ctx, draft, said=texts.COMPLAINT_LOCATION_TAKEN)


def _skip(ctx: Context, draft: ComplaintDraft) -> list[Outgoing]:
    if draft.awaiting == words.STEP_PHOTO:
        draft.photo_id, draft.photo_skipped = None, True
    else:
        draft.latitude = draft.longitude = None
        draft.location_skipped = True
    return _next(ctx, draft, spent=ctx.tapped)


def _next(ctx: Context, draft: ComplaintDraft, *, spent: bool = False,
          replies: Replies | None = None, said: str = "") -> list[Outgoing]:
    """Ask the first step not yet answered, else show the summary."""
    draft.awaiting = _first_open(draft)
    return _ask(ctx, draft, said, spent=spent, replies=replies)


def _first_open(draft: ComplaintDraft) -> str | None:
    if not draft.body:
        return words.STEP_TEXT
    if draft.photo_id is None and not draft.photo_skipped:
        return words.STEP_PHOTO
    if draft.latitude is None and not draft.location_skipped:
        return words.STEP_LOCATION
    if draft.public is None:
        return words.STEP_VISIBILITY
    return None


def _ask(ctx: Context, draft: ComplaintDraft, said: str = "", *, spent: bool = False,
         replies: Replies | None = None) -> list[Outgoing]:
    """The open step's question (or the summary), after `said` (what was wrong, or taken)."""
    replies = replies or Replies(ctx.command)
    if spent:
        replies.remove_keyboard()
    question, keyboard = _question(ctx, draft)
    text = f"{said}\n\n{question}" if said and not said.endswith(" ") else said + question
    return replies.add(text, keyboard)


def _question(ctx: Context, draft: ComplaintDraft) -> tuple[str, dict]:
    step = draft.awaiting
    cancel_row = [texts.COMPLAINT_CANCEL_BUTTON]
    if step == words.STEP_TEXT:
        return (texts.COMPLAINT_ASK_TEXT.format(min=TEXT_MIN, max=f"{TEXT_MAX:,}".replace(
            ",", ".")), {"inline_keyboard": [cancel_row]})
    if step == words.STEP_PHOTO:
        return texts.COMPLAINT_ASK_PHOTO, {"inline_keyboard": [[texts.COMPLAINT_SKIP_BUTTON],
                                                               cancel_row]}
    if step == words.STEP_LOCATION:
        return texts.COMPLAINT_ASK_LOCATION, texts.COMPLAINT_LOCATION_KEYBOARD
    if step == words.STEP_VISIBILITY:
        numbered = "" if draft.one_line else texts.COMPLAINT_STEP.format(step=4)
        return (texts.COMPLAINT_ASK_VISIBILITY.format(step=numbered),
                {"inline_keyboard": [[texts.COMPLAINT_PUBLIC_BUTTON,
                                      texts.COMPLAINT_PRIVATE_BUTTON], cancel_row]})
    return _summary(ctx, draft)


def _summary(ctx: Context, draft: ComplaintDraft) -> tuple[str, dict]:
    photo = ctx.session.get(ReceivedFile, draft.photo_id) if draft.photo_id else None
    location = texts.COMPLAINT_LOCATION.format(
        latitude=f"{draft.latitude:.5f}", longitude=f"{draft.longitude:.5f}") \
        if draft.latitude is not None else texts.COMPLAINT_NO_LOCATION
    text = texts.COMPLAINT_SUMMARY.format(
        title=value(draft.title), body=escape(draft.body or ""),
        photo=texts.COMPLAINT_PHOTO_STATES[photo.state if photo else None], location=location,
        visibility=texts.COMPLAINT_VISIBILITY[bool(draft.public)])
    changes = [{"text": label, "callback_data": words.button(words.CHANGE, step)}
               for step, label in texts.COMPLAINT_CHANGE_BUTTONS.items()]
    rows = [[texts.COMPLAINT_SEND_BUTTON], changes[:2], changes[2:],
            [texts.COMPLAINT_CANCEL_BUTTON]]
    return text, {"inline_keyboard": rows}


def _over_limit(ctx: Context) -> list[Outgoing] | None:
    count = records.sent_today(ctx.session, ctx.resident, ctx.now)
    if count >= records.PER_DAY:
        return ctx.reply(texts.COMPLAINT_TOO_MANY.format(count=count))
    return None


def _size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
