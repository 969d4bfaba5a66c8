"""The data services: `handle(command, session, settings, now) -> replies`, no broker inside."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from libs import texts
from libs.config import Settings
from libs.contracts import Command, Outgoing
from libs.formatting import local_time, value
from libs.replies import reply
from libs.siades.bot_models import Chat
from libs.siades.queries import assistance, registration, residents
from libs.siades.village import village_name
from services.data_service import views
from services.data_service.registration import register

PROGRAM_ACTIONS = {"pkh": "PKH", "bpnt": "BPNT", "kis": "KIS"}


def handle(command: Command, session: Session, settings: Settings, now: datetime
           ) -> list[Outgoing]:
    """Answer one data command."""
    if command.action == "register":
        return register(command, session, settings, now)
    if command.action == "start":
        return start(command, session, now)

    resident = registration.resident_by_chat(session, command.chat_id)
    if resident is None:
        if command.action == "unknown":
            return reply(command, texts.UNKNOWN_COMMAND_UNREGISTERED, texts.REGISTER_MENU)
        return reply(command, texts.NOT_REGISTERED, texts.REGISTER_MENU)

    today = local_time(now, settings.timezone).date()  # the village's, as OpenSID's dates are
    if command.action == "biodata":
        return reply(command, views.biodata(residents.biodata(session, resident)), texts.MAIN_MENU)
    if command.action == "keluarga":
        family = residents.family_of(session, resident)
        text = views.family(family, today) if family else texts.FAMILY_NONE
        return reply(command, text, texts.MAIN_MENU)
    if command.action in PROGRAM_ACTIONS:
        service = PROGRAM_ACTIONS[command.action]
        text = program(session, settings, resident, service, today)
        return reply(command, text, texts.MAIN_MENU)
    return reply(command, texts.UNKNOWN_COMMAND, texts.MAIN_MENU)


def start(command: Command, session: Session, now: datetime) -> list[Outgoing]:
    """The greeting and menu; a resident who blocked the bot and came back is reachable again."""
    session.execute(update(Chat).where(Chat.chat_id == command.chat_id)
                    .values(unreachable_since=None, updated_at=now))
    resident = registration.resident_by_chat(session, command.chat_id)
    if resident is not None:
        return reply(command, texts.WELCOME_REGISTERED.format(name=value(resident.name)),
                     texts.MAIN_MENU)
    village = village_name(session) or "desa"
    return reply(command, texts.WELCOME_UNREGISTERED.format(village=value(village)),
                 texts.REGISTER_MENU)


def program(session: Session, settings: Settings, resident, service: str, today: date) -> str:
    """Membership of `resident` in the programs that `service` stands for, on `today`."""
    names = settings.program_aliases.get(service, (service,))
    memberships = assistance.program_memberships(session, resident, names)
    if memberships:
        return views.memberships(service, memberships, today)
    if not assistance.programs_named(session, names):
        return texts.PROGRAM_UNKNOWN.format(service=service)
    return texts.PROGRAM_NOT_MEMBER.format(service=service)
