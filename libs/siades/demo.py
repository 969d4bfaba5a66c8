"""A deterministic demo village: Desa Sumbermulyo, Kecamatan Jogoroto, Kabupaten Jombang.

About 300 residents in 90 families, spread over four dusun (KRAJAN, SUMBERSARI, SUMBERAGUNG,
GEMPOLREJO), five RW and twelve RT; three programs (PKH, BPNT, KIS). NIKs follow the real
structure: region 351709, birth date DDMMYY (DD + 40 for women), a 4-digit serial; No KKs are
351709 + issue date DDMMYY + serial. Every run inserts the identical village.

Two parts:
- six hand-written families F1-F6 (twenty residents) below, the ones tests and prompts name;
  their rows are inserted first, so they also keep tweb_penduduk ids 1-20;
- 84 generated families G001-G084 (demo_village.py): names from Faker("id_ID"), everything else
  from random.Random, both seeded with demo_village.SEED (3517092006, the village code), never
  the global random state. They add widowed parents, in-laws, grandchildren, a few dead and
  moved residents, more program participants and tweb_rtm households; their NIKs and No KKs
  never repeat a hand-written one.

Who is in which program (PKH and BPNT by family card, KIS by NIK):

| DEMO_RESIDENTS key | name           | family | PKH | BPNT | KIS | note                   |
| ------------------ | -------------- | ------ | --- | ---- | --- | ---------------------- |
| head               | BUDI SANTOSO   | F1     | yes | yes  | no  | head of family         |
| wife, kis_member   | SITI AMINAH    | F1     | yes | yes  | yes | KIS by her own NIK     |
| child              | DWI PRASETYO   | F1     | yes | yes  | no  |                        |
| dead               | KASIANI        | F1     | -   | -    | -   | status_dasar 2 MATI    |
| family2_head       | SUTRISNO       | F2     | no  | yes  | yes |                        |
| moved              | AGUS SETIAWAN  | F2     | -   | -    | -   | status_dasar 3 PINDAH  |
| household_head     | MOCHAMAD ROFIQ | F3     | yes | no   | no  | heads the tweb_rtm     |
| no_program         | HENDRA WIJAYA  | F4     | no  | no   | no  | in no program at all   |
| single             | AHMAD FAUZI    | F6     | no  | no   | no  | a family of one        |

F3 is also the household DEMO_RTM_NO; F5 (SUPARMI, a widow, with two grown children) has KIS by
SUPARMI's NIK and no other program.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.orm import Session

from libs.siades.db import make_session_factory, session_scope
from libs.siades.demo_village import generate_village
from libs.siades.models import (
    ALIVE,
    HEAD_OF_FAMILY,
    Area,
    Family,
    Household,
    Program,
    ProgramParticipant,
    Resident,
    VillageConfig,
)
from libs.siades.programs import TARGET_FAMILY
from libs.siades.schema import init_db

VILLAGE = {
    "village_name": "Sumbermulyo", "village_code": "3517092006", "postal_code": 61485,
    "district_name": "Jogoroto", "district_code": "351709", "district_head_name": "-",
    "district_head_nip": "-", "regency_name": "Jombang", "regency_code": "3517",
    "province_name": "Jawa Timur", "province_code": "35",
    "office_address": "Jl. Raya Sumbermulyo No. 1, Jogoroto, Jombang",
}

# key: (NIK, No KK, name) of the residents tests talk about.
DEMO_RESIDENTS: dict[str, tuple[str, str, str]] = {
    "head": ("3517091204780001", "3517091203150001", "BUDI SANTOSO"),
    "wife": ("3517096308820002", "3517091203150001", "SITI AMINAH"),
    "child": ("3517091501060003", "3517091203150001", "DWI PRASETYO"),
    "dead": ("3517094102400005", "3517091203150001", "KASIANI"),
    "family2_head": ("3517093011650006", "3517091203150002", "SUTRISNO"),
    "moved": ("3517092103920008", "3517091203150002", "AGUS SETIAWAN"),
    "household_head": ("3517091706750010", "3517092005160003", "MOCHAMAD ROFIQ"),
    "no_program": ("3517092501800014", "3517092005160004", "HENDRA WIJAYA"),
    "single": ("3517091010960020", "3517090708180006", "AHMAD FAUZI"),
}
DEMO_RESIDENTS["kis_member"] = DEMO_RESIDENTS["wife"]
DEMO_RTM_NO = "3517092006001"  # tweb_rtm.no_kk of family F3's household

# No KK, (dusun, rw, rt), family address
FAMILIES = {
    "F1": ("3517091203150001", ("KRAJAN", "001", "001"), "Jl. Melati No. 5"),
    "F2": ("3517091203150002", ("KRAJAN", "001", "002"), None),
    "F3": ("3517092005160003", ("SUMBERSARI", "002", "001"), "Jl. Kenanga No. 12"),
    "F4": ("3517092005160004", ("SUMBERSARI", "002", "002"), None),
    "F5": ("3517090708180005", ("KRAJAN", "001", "002"), None),
    "F6": ("3517090708180006", ("SUMBERSARI", "002", "001"), None),
}

# family, kk_level, NIK, name, sex, birthplace, birth date (ISO), agama, pendidikan_kk,
# pekerjaan, status_kawin, status_dasar. Codes as in lookups.py (e.g. pekerjaan 88 WIRASWASTA).
RESIDENTS = [
    ("F1", 1, "3517091204780001", "BUDI SANTOSO", 1, "JOMBANG", "1978-04-12", 1, 5, 88, 2, 1),
    ("F1", 3, "3517096308820002", "SITI AMINAH", 2, "JOMBANG", "1982-08-23", 1, 4, 2, 2, 1),
    ("F1", 4, "3517091501060003", "DWI PRASETYO", 1, "JOMBANG", "2006-01-15", 1, 5, 3, 1, 1),
    ("F1", 4, "3517094309100004", "RINA SAFITRI", 2, "JOMBANG", "2010-09-03", 1, 4, 3, 1, 1),
    ("F1", 7, "3517094102400005", "KASIANI", 2, "JOMBANG", "1940-02-01", 1, 1, 1, 4, 2),
    ("F2", 1, "3517093011650006", "SUTRISNO", 1, "JOMBANG", "1965-11-30", 1, 3, 9, 2, 1),
    ("F2", 3, "3517094707680007", "SUMIATI", 2, "JOMBANG", "1968-07-07", 1, 3, 2, 2, 1),
    ("F2", 4, "3517092103920008", "AGUS SETIAWAN", 1, "JOMBANG", "1992-03-21", 1, 5, 15, 1, 3),
    ("F2", 4, "3517094512980009", "LESTARI", 2, "JOMBANG", "1998-12-05", 1, 8, 65, 1, 1),
    ("F3", 1, "3517091706750010", "MOCHAMAD ROFIQ", 1, "JOMBANG", "1975-06-17", 1, 3, 20, 2, 1),
    ("F3", 3, "3517096810790011", "NUR HIDAYAH", 2, "MOJOKERTO", "1979-10-28", 1, 4, 19, 2, 1),
    ("F3", 4, "3517090904030012", "ANDI FIRMANSYAH", 1, "JOMBANG", "2003-04-09", 1, 5, 19, 1, 1),
    ("F3", 4, "3517095402150013", "SALSABILA", 2, "JOMBANG", "2015-02-14", 1, 2, 3, 1, 1),
    ("F4", 1, "3517092501800014", "HENDRA WIJAYA", 1, "SURABAYA", "1980-01-25", 2, 8, 5, 2, 1),
    ("F4", 3, "3517097005840015", "DEWI KARTIKA", 2, "JOMBANG", "1984-05-30", 2, 8, 65, 2, 1),
    ("F4", 4, "3517095111120016", "NAYLA PUTRI", 2, "JOMBANG", "2012-11-11", 2, 2, 3, 1, 1),
    ("F5", 1, "3517094803600017", "SUPARMI", 2, "JOMBANG", "1960-03-08", 1, 3, 84, 4, 1),
    ("F5", 4, "3517091907900018", "YUSUF HABIBI", 1, "JOMBANG", "1990-07-19", 1, 5, 81, 1, 1),
    ("F5", 4, "3517094208940019", "INDAH PERMATASARI", 2, "JOMBANG", "1994-08-02", 1, 5, 15, 1, 1),
    ("F6", 1, "3517091010960020", "AHMAD FAUZI", 1, "KEDIRI", "1996-10-10", 1, 5, 15, 1, 1),
]

# name, sasaran, description, [(family key or NIK, card number)]
PROGRAMS = [
    ("PKH", 2, "Program Keluarga Harapan", [("F1", "PKH-3517-0001"), ("F3", "PKH-3517-0002")]),
    ("BPNT", 2, "Bantuan Pangan Non Tunai", [("F1", "KKS-3517-0001"), ("F2", "KKS-3517-0002")]),
    ("KIS", 1, "Kartu Indonesia Sehat (PBI-JK)", [
        ("3517096308820002", "0001234567801"),
        ("3517093011650006", "0001234567802"),
        ("3517094803600017", "0001234567803"),
    ]),
]
PROGRAM_PERIOD = (date(2025, 1, 1), date(2025, 12, 31))

# url_surat, nama, kode_surat: OpenSID's own rows for the letters the bot offers.


class NotEmptyError(RuntimeError):
    """The database already holds residents: seeding would mix a demo into real data."""


@dataclass(frozen=True)
class SeedSummary:
    """How many rows seed_demo inserted."""

    families: int
    residents: int
    programs: int
    participants: int


def refuse_if_residents(engine: Engine) -> None:
    """Raise NotEmptyError if tweb_penduduk exists and has rows (checked before creating tables)."""
    if inspect(engine).has_table(Resident.__tablename__):
        with Session(engine) as session:
            _ensure_no_residents(session)


def _ensure_no_residents(session: Session) -> None:
    count = session.scalar(select(func.count()).select_from(Resident))
    if count:
        raise NotEmptyError(f"tweb_penduduk already has {count} rows")


def seed_demo(engine: Engine) -> SeedSummary:
    """Create missing tables, then insert the demo village in one transaction (empty DB only)."""
    refuse_if_residents(engine)  # before init-db: a refused run leaves the database as it was
    init_db(engine)
    with session_scope(make_session_factory(engine)) as session:
        return insert_demo_village(session)


def insert_demo_village(session: Session) -> SeedSummary:
    """Insert the demo village; the tables must exist and tweb_penduduk must be empty."""
    _ensure_no_residents(session)
    village = generate_village(
        taken_niks={row[2] for row in RESIDENTS}, taken_kks={f[0] for f in FAMILIES.values()}
    )
    all_families = {**FAMILIES, **village.families}
    if not session.scalar(select(func.count()).select_from(VillageConfig)):
        session.add(VillageConfig(**VILLAGE))
    areas = _add_areas(session, all_families)
    families = {
        key: Family(no_kk=no_kk, area_id=areas[place].id, address=address)
        for key, (no_kk, place, address) in all_families.items()
    }
    session.add_all(families.values())
    session.flush()
    residents = [_resident(row, families) for row in RESIDENTS + village.residents]
    session.add_all(residents)
    session.flush()
    members = _members_by_family(residents)
    for family in families.values():
        family.head_id = str(members[family.id][0].id)  # OpenSID's trap: the head's id, not NIK
    for key, number in [("F3", DEMO_RTM_NO), *village.households]:
        _add_household(session, members[families[key].id], number)
    participants = _add_programs(session, members, families, village.programs)
    session.flush()
    return SeedSummary(len(families), len(residents), len(PROGRAMS), participants)


def _add_areas(session: Session, families: dict) -> dict[tuple[str, str, str], Area]:
    # OpenSID keeps a row per dusun (rw = rt = '0') and per RW (rt = '0') above the RTs.
    places = sorted({place for _, place, _ in families.values()})
    keys = sorted({(d, "0", "0") for d, _, _ in places} | {(d, rw, "0") for d, rw, _ in places})
    areas = {key: Area(dusun=key[0], rw=key[1], rt=key[2]) for key in [*keys, *places]}
    session.add_all(areas.values())
    session.flush()
    return areas


def _resident(row, families: dict[str, Family]) -> Resident:
    key, level, nik, name, sex, place, born, religion, education, job, marital, status = row
    family = families[key]
    return Resident(
        nik=nik, name=name, family_id=family.id, family_role_id=level, sex_id=sex,
        birth_place=place, birth_date=date.fromisoformat(born), religion_id=religion,
        education_id=education, occupation_id=job, marital_status_id=marital, citizenship_id=1,
        base_status=status, residency_status=1, area_id=family.area_id, address=family.address,
    )


def _members_by_family(residents: list[Resident]) -> dict[int, list[Resident]]:
    """Each family's residents, head (kk_level 1) first, then in the order they were listed."""
    members: dict[int, list[Resident]] = {}
    for resident in residents:
        members.setdefault(resident.family_id, []).append(resident)
    for family_members in members.values():
        family_members.sort(key=lambda r: r.family_role_id != HEAD_OF_FAMILY)
    return members


def _add_household(session: Session, members: list[Resident], number: str) -> None:
    """A tweb_rtm for one family's living members, its head heading the household too."""
    living = [r for r in members if r.base_status == ALIVE]
    session.add(Household(no_kk=number, head_id=living[0].id))
    for i, member in enumerate(living):
        member.household_no = number
        member.household_role_id = 1 if i == 0 else 2


def _add_programs(session: Session, members, families, generated: dict) -> int:
    """PROGRAMS and the generated participants; returns how many participants were added."""
    heads = {family.no_kk: members[family.id][0] for family in families.values()}
    by_nik = {r.nik: r for family_members in members.values() for r in family_members}
    added = 0
    for name, target, description, participants in PROGRAMS:
        program = Program(
            name=name, target=target, description=description, start_date=PROGRAM_PERIOD[0],
            end_date=PROGRAM_PERIOD[1], userid=0, status=1, asaldana="Pusat",
        )
        session.add(program)
        session.flush()
        for who, card in participants + generated[name]:
            if target == TARGET_FAMILY:  # the family card; the card holder is the head
                key = families[who].no_kk
                person = heads[key]
            else:
                person = by_nik[who]
                key = person.nik
            session.add(ProgramParticipant(
                participant=key, program_id=program.id, card_number=card,
                kartu_nik=person.nik, kartu_nama=person.name, kartu_tempat_lahir=person.birth_place,
                kartu_tanggal_lahir=person.birth_date, kartu_alamat=person.address or "",
                kartu_id_pend=person.id,
            ))
            added += 1
    return added
