"""SQL metacharacters in every field a resident fills in reach the database as data.

Each text goes the whole way a worker takes it: an Update parsed by the gateway, the Command
encoded and decoded, the worker's inbox/outbox transaction, the handler. Run on SQLite and on
MariaDB (whose backslash escapes are where a hand-made query would break first).
"""

from __future__ import annotations

import json
from html import unescape
from itertools import count

import pytest
from hostile_inputs import HOSTILE, SQL_METACHARACTERS, cancel_request, texts
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select

from libs.config import Settings
from libs.contracts import encode
from libs.siades.bot_models import LetterDraft, OutboxEntry, RegistrationAttempt
from libs.siades.db import make_session_factory
from libs.siades.demo import DEMO_RESIDENTS
from libs.siades.letter_kinds import KINDS
from libs.siades.letters import LetterRequest
from libs.siades.models import Family, Resident
from libs.siades.queries import assistance, registration
from libs.worker import command_worker
from services.data_service.handlers import handle as handle_data
from services.gateway.commands import parse_text
from services.gateway.updates import parse_update
from services.letter_service.fields import clean
from services.letter_service.handlers import handle as handle_letter
from tests.support.recording import RecordingPublisher

HEAD_NIK, HEAD_KK, _ = DEMO_RESIDENTS["head"]
CHAT = 41
SETTINGS = Settings()
TABLES = ("tweb_penduduk", "tweb_keluarga", "permohonan_surat", "bot_letter_drafts",
          "bot_outbox", "bot_inbox", "bot_registration_attempts", "program_peserta")


@pytest.fixture
def factory(database_url, engine_for):
    return make_session_factory(engine_for(database_url))


class Worker:
    """Types texts into a private chat and runs them through the gateway and the workers."""

    update_ids = count(1)

    def __init__(self, factory, chat_id: int = CHAT):
        self.factory, self.chat_id = factory, chat_id
        self.publisher = RecordingPublisher()
        self.workers = {"data": command_worker("data_service", factory, SETTINGS, handle_data),
                        "letter": command_worker("letter_service", factory, SETTINGS,
                                                 handle_letter)}

    def say(self, text: str) -> str:
        """The reply to `text`, as the resident reads it (entities unescaped)."""
        command = parse_update({"update_id": next(self.update_ids), "message": {
            "message_id": 1, "date": 1764300000, "text": text,
            "chat": {"id": self.chat_id, "type": "private"},
            "from": {"id": self.chat_id, "first_name": text[:100], "language_code": text}}})
        self.command = command
        before = len(self.publisher.published)
        self.workers[command.service](encode(command), None, self.publisher)
        [reply] = self.publisher.published[before:]
        return unescape(reply.text)


def stored_requests(factory) -> list[dict]:
    with factory() as session:
        return [json.loads(form) for form in session.scalars(
            select(LetterRequest.form).order_by(LetterRequest.id))]


def draft_answers(factory, chat_id: int = CHAT) -> dict:
    with factory() as session:
        draft = session.get(LetterDraft, chat_id)
        return json.loads(draft.fields) if draft is not None else {}


def table_counts(factory) -> dict[str, int]:
    engine = factory.kw["bind"]
    assert set(TABLES) <= set(inspect(engine).get_table_names())
    with factory() as session:
        return {"residents": session.scalar(select(func.count(Resident.id))),
                "families": session.scalar(select(func.count(Family.id)))}


def as_field(text: str) -> str:
    """`text`, long enough for any letter field (three characters at least)."""
    return text if len(clean(text)) >= 3 else text * 3


def test_sql_metacharacters_are_stored_as_typed(factory):
    registry = table_counts(factory)
    chat = Worker(factory)
    one_line = [t for t in SQL_METACHARACTERS if "#" not in t]
    for text in one_line:
        assert "Format pendaftaran" in chat.say(f"DAFTAR#{text}#{text}#{text}")
        assert "NIK harus 16 angka" in chat.say(f"DAFTAR#{text}#{HEAD_KK}")
        assert "No KK harus 16 angka" in chat.say(f"DAFTAR#{HEAD_NIK}#{text}")
        assert "belum terdaftar" in chat.say(f"SKU#{text}#{text}#{text}")
    assert "berhasil" in chat.say(f"DAFTAR#{HEAD_NIK}#{HEAD_KK}")

    filed = []
    # SKBPN is not for the head, who is married; its answers are stored by the same code.
    for i, kind in enumerate(k for k in KINDS.values() if k.marital_status is None):
        for j in range(0, len(one_line), len(kind.fields)):
            values = [as_field(one_line[(j + k + i) % len(one_line)])
                      for k in range(len(kind.fields))]
            reply = chat.say("#".join([kind.code, *values]))
            assert "berhasil diajukan" in reply and all(v in reply for v in values)
            filed.append({f.name: v for f, v in zip(kind.fields, values, strict=True)})
            assert "telah dibatalkan" in cancel_request(chat.say)
    assert stored_requests(factory) == filed

    # The guided request: each answer as the draft keeps it, then as the request stores it.
    kind = KINDS["SKUM"]
    for text in SQL_METACHARACTERS:
        chat.say(f"AJUKAN {kind.code}")
        answers = {}
        for field in kind.fields:
            answers[field.name] = as_field(text)
            chat.say(answers[field.name])
            assert draft_answers(factory) == answers
        chat.say(f"AJUKAN UBAH {text}")
        chat.say("AJUKAN UBAH tujuan")
        answers["tujuan"] = as_field(text + " lagi")
        assert text in chat.say(answers["tujuan"])
        assert draft_answers(factory) == answers
        assert "berhasil diajukan" in chat.say("AJUKAN KIRIM")
        assert stored_requests(factory)[-1] == answers
        assert "telah dibatalkan" in cancel_request(chat.say)
        assert "tidak dikenali" in chat.say(text + " bebas")

    assert table_counts(factory) == registry
    with factory() as session:
        outbox = list(session.scalars(select(OutboxEntry.payload)))
        assert all(json.loads(payload)["chat_id"] == CHAT for payload in outbox)


WILDCARD_PAIRS = [
    ("%", "%"), ("_" * 16, "_" * 16), (HEAD_NIK[:-1] + "_", HEAD_KK),
    (HEAD_NIK[:-2] + "%", HEAD_KK), (HEAD_NIK, HEAD_KK[:-1] + "_"), ("' OR '1'='1", HEAD_KK),
    (f"{HEAD_NIK}' OR '1'='1", f"{HEAD_KK}' --"), ("*", "*"), (HEAD_NIK + "%", HEAD_KK),
    (HEAD_NIK + "\\", HEAD_KK), ("[0-9]*", "[0-9]*"),
]


def test_wildcards_match_no_resident(factory):
    # One database per backend for all pairs: making a seeded MariaDB database takes a while.
    with factory() as session:
        resident = registration.registration_candidate(session, HEAD_NIK, HEAD_KK)
        for nik, no_kk in WILDCARD_PAIRS:
            assert registration.registration_candidate(session, nik, no_kk) is None, (nik, no_kk)
            assert assistance.programs_named(session, (nik, no_kk, "PKH%", "_KH", "%")) == []
            assert assistance.program_memberships(session, resident, ("%", "PK_", nik)) == []
    for offset, (nik, no_kk) in enumerate(WILDCARD_PAIRS, start=100):
        chat = Worker(factory, chat_id=CHAT + offset)
        assert "berhasil" not in chat.say(f"DAFTAR#{nik}#{no_kk}")
        with factory() as session:
            assert registration.resident_by_chat(session, CHAT + offset) is None
    with factory() as session:
        assert set(session.scalars(select(RegistrationAttempt.reason))) <= {"no_match"}


letter_text = st.one_of(st.sampled_from(SQL_METACHARACTERS), texts(max_size=60),
                        st.lists(st.sampled_from(SQL_METACHARACTERS + ("x", " ", "\\", "'")),
                                 max_size=8).map("".join))


@settings(HOSTILE, max_examples=20)
@given(answers=st.lists(letter_text.filter(lambda t: parse_text(t).action == "answer"),
                        min_size=3, max_size=3))
def test_any_answers_are_stored_as_typed(factory, answers):
    chat = Worker(factory, chat_id=CHAT + 1)
    chat.say(f"DAFTAR#{HEAD_NIK}#{HEAD_KK}")
    chat.say("AJUKAN SKU")
    taken = {}
    for text in answers:
        field = next(f for f in KINDS["SKU"].fields if f.name not in taken)
        chat.say(text)
        typed = clean(chat.command.args[0])  # as the gateway passed it on (U+FFFD for lone
        if field.min_length <= len(typed) <= field.max_length:  # surrogates)
            taken[field.name] = typed
        assert draft_answers(factory, CHAT + 1) == taken
    if len(taken) == 3:
        assert "berhasil diajukan" in chat.say("AJUKAN KIRIM")
        assert stored_requests(factory)[-1] == taken
        cancel_request(chat.say)
    chat.say("AJUKAN BATAL")
