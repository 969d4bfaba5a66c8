"""`DAFTAR#NIK#No KK`: linking a Telegram chat to a living resident, rate-limited.

A wrong pair, a resident who died or moved and a resident already linked to another account
all get one refusal, counted alike: it never says which half was wrong or whether the NIK
exists. Failures are limited per account and per NIK (across all accounts), both counted from
the failed RegistrationAttempt rows within the window, so deleting those rows unlocks.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from libs import metrics, texts
from libs.config import Settings
from libs.contracts import Command, Outgoing
from libs.formatting import clock, local_time, value
from libs.identity import digest, is_identity_number, is_placeholder, mask
from libs.replies import reply
from libs.siades.models import Resident
from libs.siades.queries import registration

log = logging.getLogger(__name__)


def register(command: Command, session: Session, settings: Settings, now: datetime
             ) -> list[Outgoing]:
    """Link the command's chat to the resident named by NIK and No KK, or say why not."""
    chat_id = command.chat_id
    owner = registration.chat_owner(session, chat_id)
    if owner is not None:
        if owner.base_status == 1:
            return reply(command, texts.ALREADY_REGISTERED_SELF.format(name=value(owner.name)),
                         texts.MAIN_MENU)
        return reply(command, texts.CHAT_LINKED_TO_OTHER)

    window = timedelta(hours=settings.registration_window_hours)
    since = now - window
    failures = registration.failed_attempts_since(session, chat_id, since)
    if failures >= settings.registration_max_failures:
        first = registration.first_failure_since(session, chat_id, since) or now
        return _locked(command, settings, first + window)

    numbers = [_digits_only(a) for a in command.args]
    problem = _not_a_pair(numbers)
    if problem is not None:  # not an attempt: nothing is counted
        return reply(command, problem, texts.REGISTER_MENU)
    nik, no_kk = numbers

    # Checked before the registry is: the lock on a NIK says nothing of whether it exists.
    guesses = registration.nik_failures_since(session, digest(nik), since)
    if guesses.attempts >= settings.registration_nik_max_failures:
        return _locked(command, settings, (guesses.first or now) + window)

    resident = registration.registration_candidate(session, nik, no_kk)
    if resident is None:
        reason = "no_match"
    elif resident.telegram:
        reason = "resident_linked"  # the office sees it; the resident reads a wrong pair
    else:
        try:
            with session.begin_nested():
                # OpenSID's own columns hold the village's local time, as its admin pages show.
                linked = registration.link_chat(session, resident.id, chat_id,
                                                local_time(now, settings.timezone))
        except IntegrityError:
            # The UNIQUE on tweb_penduduk.telegram: this chat was linked meanwhile.
            return reply(command, texts.CHAT_LINKED_TO_OTHER)
        if linked:
            return _linked(command, session, now, resident, nik)
        reason = "resident_linked"  # another account took the resident meanwhile

    return _refuse(command, session, settings, now, nik, reason, failures)


def _not_a_pair(numbers: list[str]) -> str | None:
    """Why `numbers` is no NIK and No KK to try, as the answer to give; None if it is one."""
    if not numbers:
        return texts.HOW_TO_REGISTER
    if len(numbers) != 2:
        return texts.REGISTER_BAD_FORMAT
    nik, no_kk = numbers
    if is_placeholder(nik) or is_placeholder(no_kk):
        return texts.REGISTER_EXAMPLE_COPIED
    if not is_identity_number(nik):
        return texts.REGISTER_BAD_NIK.format(given=len(nik))
    if not is_identity_number(no_kk):
        return texts.REGISTER_BAD_KK.format(given=len(no_kk))
    return None


def _refuse(command: Command, session: Session, settings: Settings, now: datetime, nik: str,
            reason: str, failures: int) -> list[Outgoing]:
    """Record a failed attempt; the refusal, or the lock it starts (the account's, the NIK's)."""
    chat_id, nik_digest = command.chat_id, digest(nik)
    window = timedelta(hours=settings.registration_window_hours)
    since = now - window
    registration.record_attempt(session, chat_id, False, reason, now, nik_digest)
    log.info("chat %s: registration refused for NIK %s (%s)", chat_id, mask(nik), reason)
    # Whichever lock this failure starts, the refusal says when the later one ends.
    lock_ends = []
    guesses = registration.nik_failures_since(session, nik_digest, since)
    if guesses.attempts >= settings.registration_nik_max_failures:
        if guesses.attempts == settings.registration_nik_max_failures:
            _tell_office(session, nik, guesses, settings, now)
        lock_ends.append((guesses.first or now) + window)
    left = settings.registration_max_failures - failures - 1
    if left <= 0:
        first = registration.first_failure_since(session, chat_id, since) or now
        lock_ends.append(first + window)
    if lock_ends:
        return _locked(command, settings, max(lock_ends))
    return reply(command, texts.REGISTER_NO_MATCH.format(left=left), texts.REGISTER_MENU)


def _linked(command: Command, session: Session, now: datetime, resident: Resident, nik: str
            ) -> list[Outgoing]:
    registration.record_attempt(session, command.chat_id, True, "linked", now, digest(nik))
    log.info("chat %s linked to resident %s (NIK %s)", command.chat_id, resident.id, mask(nik))
    text = texts.REGISTER_SUCCESS.format(name=value(resident.name), nik=mask(nik))
    return reply(command, text, texts.MAIN_MENU)


def _tell_office(session: Session, nik: str, guesses: registration.Guesses, settings: Settings,
                 now: datetime) -> None:
    """One NIK just reached its limit of failures: audit, warn, count (once per lock)."""
    registration.record_guessing(session, mask(nik), guesses, now)
    metrics.REGISTRATION_GUESSED.inc()
    log.warning("NIK %s: %d failed registrations from %d accounts within %d h: refused until "
                "the window ends; the village office is told in the audit log", mask(nik),
                guesses.attempts, guesses.accounts, settings.registration_window_hours)


def _locked(command: Command, settings: Settings, until: datetime) -> list[Outgoing]:
    return reply(command, texts.REGISTER_LOCKED.format(until=clock(until, settings.timezone)))


def _digits_only(text: str) -> str:
    # Residents copy numbers with spaces or dots from their cards: `3517 0901 ...`.
    return "".join(ch for ch in text if not ch.isspace() and ch not in ".-")
