"""Several data_service processes at once: copies of one update, and two accounts racing for
one resident, on SQLite and on MariaDB."""

from __future__ import annotations

from sqlalchemy import func, select

from libs import topology
from libs.contracts import Command
from libs.siades.bot_models import InboxEntry, RegistrationAttempt
from libs.siades.db import make_engine, make_session_factory
from libs.siades.demo import DEMO_RESIDENTS
from libs.siades.models import Resident
from tests.support.racing import race

NIK, NO_KK, _ = DEMO_RESIDENTS["head"]
WORKERS = 3


def register(update_id: int, chat_id: int) -> Command:
    return Command(message_id=f"tg-{update_id}", update_id=update_id, service="data",
                   action="register", chat_id=chat_id, user_id=chat_id, args=(NIK, NO_KK))


def test_copies_and_races_have_one_effect(broker, amqp_url, database_url):
    # Given three copies of one update (Telegram resent it) and a second account that asks
    # for the same resident at the same moment, all queued before the workers start
    commands = [register(100, 501)] * 3 + [register(200, 502)]

    # When several workers take them at once (any copy's reply would be published at once:
    # take what else comes within a second)
    replies = race(broker, amqp_url, database_url, service="services.data_service",
                   queue=topology.DATA_QUEUE, commands=commands, workers=WORKERS, expect=2,
                   settle=1)

    # Then each update was handled once, and the resident is linked to exactly one account
    assert {r.message_id for r in replies} == {"tg-100:0", "tg-200:0"}
    winner = {r.chat_id for r in replies if "Pendaftaran berhasil" in r.text}
    loser = {r.chat_id for r in replies if "Sisa kesempatan: 4 kali" in r.text}  # a wrong pair
    assert len(winner) == 1 and winner | loser == {501, 502}
    factory = make_session_factory(make_engine(database_url))
    with factory() as session:
        linked = session.scalar(select(Resident.telegram).where(Resident.nik == NIK))
        assert linked == str(winner.pop())
        assert session.scalar(select(func.count()).select_from(InboxEntry)) == 2
        successes = session.scalar(select(func.count()).select_from(RegistrationAttempt)
                                   .where(RegistrationAttempt.success.is_(True)))
        assert successes == 1
