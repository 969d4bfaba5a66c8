"""`DAFTAR#NIK#No KK`: linking a Telegram chat to a living resident, rate-limited.

The refusal for a wrong pair never says which half was wrong or whether the NIK exists.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from libs import texts
from libs.config import Settings
from libs.contracts import Command, Outgoing
from libs.formatting import clock, local_time, value
from libs.identity import is_identity_number, is_placeholder, mask
from libs.replies import reply
from libs.siades import queries

log = logging.getLogger(__name__)


def register(command: Command, session: Session, settings: Settings, now: datetime
             ) -> list[Outgoing]:
    """Link the command's chat to the resident named by NIK and No KK, or say why not."""
    chat_id = command.chat_id
    owner = queries.chat_owner(session, chat_id)
    if owner is not None:
        if owner.base_status == 1:
            return reply(command, texts.ALREADY_REGISTERED_SELF.format(name=value(owner.name)),
                         texts.MAIN_MENU)
        return reply(command, texts.CHAT_LINKED_TO_OTHER)

    window = timedelta(hours=settings.registration_window_hours)
    failures = queries.failed_attempts_since(session, chat_id, now - window)
    if failures >= settings.registration_max_failures:
        return _locked(command, session, settings, now, window)

    if not command.args:
        return reply(command, texts.HOW_TO_REGISTER, texts.REGISTER_MENU)
    if len(command.args) != 2:
        return reply(command, texts.REGISTER_BAD_FORMAT, texts.REGISTER_MENU)
    nik, no_kk = (_digits_only(a) for a in command.args)
    if is_placeholder(nik) or is_placeholder(no_kk):  # not an attempt: nothing is counted
        return reply(command, texts.REGISTER_EXAMPLE_COPIED, texts.REGISTER_MENU)
    if not is_identity_number(nik):
        return reply(command, texts.REGISTER_BAD_NIK.format(given=len(nik)), texts.REGISTER_MENU)
    if not is_identity_number(no_kk):
        return reply(command, texts.REGISTER_BAD_KK.format(given=len(no_kk)),
                     texts.REGISTER_MENU)

    resident = queries.registration_candidate(session, nik, no_kk)
    if resident is None:
        queries.record_attempt(session, chat_id, False, "no_match", now)
        log.info("chat %s: registration refused for NIK %s (no match)", chat_id, mask(nik))
        left = settings.registration_max_failures - failures - 1
        if left <= 0:
            return _locked(command, session, settings, now, window)
        return reply(command, texts.REGISTER_NO_MATCH.format(left=left), texts.REGISTER_MENU)

    if resident.telegram and resident.telegram != str(chat_id):
        queries.record_attempt(session, chat_id, False, "resident_linked", now)
        return reply(command, texts.RESIDENT_LINKED_TO_OTHER)
    try:
        with session.begin_nested():
            # OpenSID's own columns hold the village's local time, as its admin pages show it.
            linked = queries.link_chat(session, resident.id, chat_id,
                                       local_time(now, settings.timezone))
    except IntegrityError:
        # The UNIQUE on tweb_penduduk.telegram: this chat was linked meanwhile.
        return reply(command, texts.CHAT_LINKED_TO_OTHER)
    if not linked:
        return reply(command, texts.RESIDENT_LINKED_TO_OTHER)
    queries.record_attempt(session, chat_id, True, "linked", now)
    log.info("chat %s linked to resident %s (NIK %s)", chat_id, resident.id, mask(nik))
    text = texts.REGISTER_SUCCESS.format(name=value(resident.name), nik=mask(nik))
    return reply(command, text, texts.MAIN_MENU)


def _locked(command: Command, session: Session, settings: Settings, now: datetime,
            window: timedelta) -> list[Outgoing]:
    first = queries.first_failure_since(session, command.chat_id, now - window) or now
    until = clock(first + window, settings.timezone)
    return reply(command, texts.REGISTER_LOCKED.format(until=until))


def _digits_only(text: str) -> str:
    # Residents copy numbers with spaces or dots from their cards: `3517 0901 ...`.
    return "".join(ch for ch in text if not ch.isspace() and ch not in ".-")
