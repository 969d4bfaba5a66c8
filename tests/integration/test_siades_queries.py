"""Query functions (libs/siades/queries/, village_name) on the demo village, in SQLite and
PostgreSQL."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import exc, select, update

from libs.formatting import area_label
from libs.siades.cli import main
from libs.siades.db import make_engine, make_session_factory
from libs.siades.demo import DEMO_RESIDENTS, DEMO_RTM_NO, FAMILIES
from libs.siades.models import Family, Program, ProgramParticipant, Resident
from libs.siades.queries import assistance, registration, residents
from libs.siades.village import village_name
from tests.support.fixtures_postgres import unique_database_name

NOW = datetime(2025, 3, 1, 8, 30)
ALL_PROGRAMS = ("PKH", "BPNT", "KIS")


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "template.db"
    assert main(["seed-demo"], environ={"DATABASE_URL": f"sqlite:///{path}"}) == 0
    return path


@pytest.fixture(scope="module")
def postgres_seeded_url(postgres_server):
    """One PostgreSQL demo village for the module; each test rolls back what it writes."""
    name = unique_database_name("queries")
    postgres_server.create_database(name)
    url = postgres_server.url(name)
    assert main(["seed-demo"], environ={"DATABASE_URL": url}) == 0
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def session(request, seeded_template, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "demo.db"
        shutil.copy(seeded_template, path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_seeded_url")
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        yield session
        session.rollback()
    engine.dispose()


def demo(session, key: str) -> Resident:
    nik = DEMO_RESIDENTS[key][0]
    return session.scalars(select(Resident).where(Resident.nik == nik)).one()


# --- registration ----------------------------------------------------------------------------


def test_registration_candidate_needs_nik_and_no_kk_that_belong_together(session):
    nik, no_kk, name = DEMO_RESIDENTS["head"]
    assert registration.registration_candidate(session, nik, no_kk).name == name
    other_kk = DEMO_RESIDENTS["family2_head"][1]
    assert registration.registration_candidate(session, nik, other_kk) is None
    assert registration.registration_candidate(session, "3517090000000000", no_kk) is None
    assert registration.registration_candidate(session, nik, "") is None


@pytest.mark.parametrize("key", ["dead", "moved"])
def test_registration_candidate_only_for_the_living(session, key):
    nik, no_kk, _ = DEMO_RESIDENTS[key]
    assert registration.registration_candidate(session, nik, no_kk) is None


def test_link_chat_links_once(session):
    head = demo(session, "head")
    assert registration.resident_by_chat(session, 1001) is None
    assert registration.link_chat(session, head.id, 1001, NOW) is True
    assert (head.telegram, head.telegram_verified_at) == ("1001", NOW)
    assert registration.resident_by_chat(session, 1001).id == head.id
    # A second link of the same resident (from another chat, or the same) changes nothing.
    assert registration.link_chat(session, head.id, 2002, NOW) is False
    assert registration.link_chat(session, head.id, 1001, NOW) is False
    assert session.get(Resident, head.id).telegram == "1001"


def test_link_chat_treats_an_empty_telegram_as_unlinked(session):
    wife = demo(session, "wife")
    session.execute(update(Resident).where(Resident.id == wife.id).values(telegram=""))
    assert registration.link_chat(session, wife.id, 3003, NOW) is True


def test_link_chat_refuses_the_dead(session):
    dead = demo(session, "dead")
    assert registration.link_chat(session, dead.id, 4004, NOW) is False


def test_link_chat_unique_telegram_is_the_backstop(session):
    head, wife = demo(session, "head"), demo(session, "wife")
    assert registration.link_chat(session, head.id, 5005, NOW)
    with pytest.raises(exc.IntegrityError):
        registration.link_chat(session, wife.id, 5005, NOW)


def test_resident_by_chat_ignores_the_dead_but_chat_owner_does_not(session):
    dead = demo(session, "dead")
    session.execute(update(Resident).where(Resident.id == dead.id).values(telegram="6006"))
    assert registration.resident_by_chat(session, 6006) is None
    assert registration.chat_owner(session, 6006).id == dead.id
    assert registration.chat_owner(session, 7007) is None


def test_failed_attempts_count_only_this_chats_failures_in_the_window(session):
    for minutes, chat, success in [(-90, 1, False), (-30, 1, False), (-20, 1, True),
                                   (-10, 1, False), (-5, 2, False)]:
        registration.record_attempt(session, chat, success, "test",
                                    NOW + timedelta(minutes=minutes))
    since = NOW - timedelta(hours=1)
    assert registration.failed_attempts_since(session, 1, since) == 2
    assert registration.first_failure_since(session, 1, since) == NOW - timedelta(minutes=30)
    assert registration.failed_attempts_since(session, 3, since) == 0
    assert registration.first_failure_since(session, 3, since) is None


def test_failures_at_one_nik_count_every_chat_in_the_window(session):
    for minutes, chat, success, nik in [(-90, 1, False, "a"), (-30, 1, False, "a"),
                                        (-20, 2, False, "a"), (-15, 2, False, "a"),
                                        (-10, 3, True, "a"), (-5, 3, False, "b"),
                                        (-1, 4, False, None)]:
        registration.record_attempt(session, chat, success, "test",
                                    NOW + timedelta(minutes=minutes), nik)
    since = NOW - timedelta(hours=1)
    assert registration.nik_failures_since(session, "a", since) == registration.Guesses(
        3, 2, NOW - timedelta(minutes=30))
    assert registration.nik_failures_since(session, "c", since) == registration.Guesses(0, 0, None)


def test_guessing_is_written_to_the_audit_log(session):
    import json

    from libs.siades.bot_models import AuditEntry
    registration.record_guessing(session, "3517**********01", registration.Guesses(10, 4, NOW), NOW)
    entry = session.scalars(select(AuditEntry)).one()
    assert (entry.actor, entry.action, json.loads(entry.detail)) == (
        "bot", "registration_guessed", {"nik": "3517**********01", "accounts": 4, "attempts": 10})


def test_a_participation_stands_by_the_programs_flag_and_period(session):
    head = assistance.program_memberships(session, demo(session, "head"), ("PKH",))[0]
    assert [head.standing(day) for day in (date(2024, 12, 31), date(2025, 1, 1),
                                           date(2025, 12, 31), date(2026, 1, 1))] == [
        "not_started", "current", "current", "ended"]
    inactive = assistance.Membership("X", None, date(2025, 1, 1), date(2025, 12, 31), False, 2)
    assert inactive.standing(date(2025, 6, 1)) == "inactive"
    # MariaDB's zero dates come back as strings: they bound nothing
    undated = assistance.Membership("X", None, "0000-00-00", None, True, 2)
    assert undated.standing(date(2025, 6, 1)) == "current"


# --- biodata and family ----------------------------------------------------------------------


def test_biodata_shows_lookup_names(session):
    data = residents.biodata(session, demo(session, "head"))
    assert data == residents.Biodata(
        name="BUDI SANTOSO", nik="3517091204780001", birth_place="JOMBANG",
        birth_date=date(1978, 4, 12), sex="LAKI-LAKI", religion="ISLAM", marital_status="KAWIN",
        education="SLTA / SEDERAJAT", occupation="WIRASWASTA", citizenship="WNI",
        family_role="KEPALA KELUARGA", dusun="KRAJAN", rw="001", rt="001",
        address="Jl. Melati No. 5",
    )
    wife = residents.biodata(session, demo(session, "wife"))
    assert (wife.sex, wife.family_role, wife.occupation) == (
        "PEREMPUAN", "ISTRI", "MENGURUS RUMAH TANGGA"
    )
    assert residents.biodata(session, demo(session, "no_program")).religion == "KRISTEN"


def test_biodata_unknown_code_gives_none(session):
    head = demo(session, "head")
    head.occupation_id, head.religion_id = 999, None
    session.flush()
    data = residents.biodata(session, head)
    assert data.occupation is None and data.religion is None and data.sex == "LAKI-LAKI"


def test_family_lists_living_members_head_first(session):
    family = residents.family_of(session, demo(session, "child"))
    assert family.no_kk == DEMO_RESIDENTS["head"][1]
    assert [(m.name, m.family_role) for m in family.members] == [
        ("BUDI SANTOSO", "KEPALA KELUARGA"),
        ("SITI AMINAH", "ISTRI"),
        ("DWI PRASETYO", "ANAK"),  # children by birth date: 2006 before 2010
        ("RINA SAFITRI", "ANAK"),
    ]  # KASIANI (ORANGTUA) is dead: not listed
    wife = residents.Member("SITI AMINAH", "ISTRI", "PEREMPUAN", date(1982, 8, 23))
    assert family.members[1] == wife


def test_family_order_puts_spouses_before_others_and_uses_nik_kepala(session):
    # Given a family whose head (by nik_kepala) has no kk_level, a SUAMI and a relative
    family_id = demo(session, "single").family_id
    single = demo(session, "single")
    single.family_role_id = None
    session.add_all([
        Resident(name="FAMILI", family_id=family_id, family_role_id=9, area_id=1,
                 birth_date=date(1950, 1, 1)),
        Resident(name="ANAK B", family_id=family_id, family_role_id=4, area_id=1,
                 birth_date=date(2020, 1, 1)),
        Resident(name="ANAK A", family_id=family_id, family_role_id=4, area_id=1, birth_date=None),
        Resident(name="SUAMI", family_id=family_id, family_role_id=2, area_id=1),
    ])
    session.flush()
    names = [m.name for m in residents.family_of(session, single).members]
    assert names == ["AHMAD FAUZI", "SUAMI", "ANAK B", "ANAK A", "FAMILI"]


def test_family_address_falls_back_to_the_area(session):
    from libs.formatting import address

    family = residents.family_of(session, demo(session, "family2_head"))
    assert (family.dusun, family.rw, family.rt) == ("KRAJAN", "001", "002")
    assert family.address is None
    assert address(family.address, family.dusun, family.rw, family.rt) == (
        "RT 002, RW 001, Dusun KRAJAN")


def test_family_of_a_resident_without_a_card_is_none(session):
    head = demo(session, "head")
    head.family_id = 0
    assert residents.family_of(session, head) is None


def test_head_resident_id_reads_the_misnamed_nik_kepala(session):
    family = session.scalars(select(Family).where(Family.no_kk == FAMILIES["F1"][0])).one()
    assert family.head_resident_id == demo(session, "head").id
    assert family.head_id == str(demo(session, "head").id)


def test_area_label_skips_what_opensid_marks_as_none():
    assert area_label("MANGSIT", "-", "004") == "RT 004, Dusun MANGSIT"
    assert area_label(None, None, None) is None


# --- programs --------------------------------------------------------------------------------


def names_of(memberships) -> list[tuple[str, int]]:
    return [(m.program_name, m.target) for m in memberships]


def test_family_programs_reach_every_member_through_the_family_card(session):
    head = assistance.program_memberships(session, demo(session, "head"), ALL_PROGRAMS)
    assert names_of(head) == [("BPNT", 2), ("PKH", 2)]
    assert head[1] == assistance.Membership(
        "PKH", "PKH-3517-0001", date(2025, 1, 1), date(2025, 12, 31), True, 2
    )
    child = assistance.program_memberships(session, demo(session, "child"), ALL_PROGRAMS)
    assert names_of(child) == [("BPNT", 2), ("PKH", 2)]


def test_person_programs_go_by_nik(session):
    wife = assistance.program_memberships(session, demo(session, "wife"), ALL_PROGRAMS)
    assert names_of(wife) == [("BPNT", 2), ("KIS", 1), ("PKH", 2)]
    kis = assistance.program_memberships(session, demo(session, "kis_member"), ("KIS",))
    assert [m.card_number for m in kis] == ["0001234567801"]
    assert assistance.program_memberships(session, demo(session, "head"), ("KIS",)) == []


def test_resident_in_no_program(session):
    assert assistance.program_memberships(session, demo(session, "no_program"), ALL_PROGRAMS) == []


def test_program_names_match_case_insensitively_and_trimmed(session):
    session.execute(update(Program).where(Program.name == "BPNT").values(name=" Bpnt "))
    got = assistance.program_memberships(session, demo(session, "head"), (" bpnt", "nothing"))
    assert names_of(got) == [("Bpnt", 2)]
    named = assistance.programs_named(session, ("pkh ", "BPNT"))
    assert [p.name for p in named] == ["PKH", " Bpnt "]
    assert assistance.programs_named(session, ("JAMKESMAS",)) == []
    assert assistance.program_memberships(session, demo(session, "head"), ()) == []


def add_program(session, name: str, target: int, participant: str, card: str) -> None:
    program = Program(name=name, target=target, start_date=date(2025, 1, 1),
                      end_date=date(2025, 6, 30), status=0)
    session.add(program)
    session.flush()
    session.add(ProgramParticipant(
        participant=participant, program_id=program.id, card_number=card, kartu_nik="-",
        kartu_nama="-", kartu_tanggal_lahir=date(2000, 1, 1),
    ))
    session.flush()


def test_household_programs_go_by_the_household_number(session):
    add_program(session, "BEDAH RUMAH", 3, DEMO_RTM_NO, "RTM-1")
    rofiq = demo(session, "household_head")
    assert rofiq.household_no == DEMO_RTM_NO
    got = assistance.program_memberships(session, rofiq, ("BEDAH RUMAH",))
    assert got == [assistance.Membership(
        "BEDAH RUMAH", "RTM-1", date(2025, 1, 1), date(2025, 6, 30), False, 3
    )]
    assert assistance.program_memberships(session, demo(session, "head"), ("BEDAH RUMAH",)) == []


def test_sasaran_is_what_decides_the_key(session):
    # A family program whose peserta is (wrongly) a NIK, and a group program: neither counts.
    head = demo(session, "head")
    add_program(session, "BLT", 2, head.nik, "X")
    add_program(session, "KELOMPOK TANI", 4, str(head.id), "G")
    assert assistance.program_memberships(session, head, ("BLT", "KELOMPOK TANI")) == []


def test_village_name(session):
    assert village_name(session) == "Sumbermulyo"
