"""A small SQLite database in the shape of OpenSID >= 23.12 (config_id on the village tables),
holding two villages, for the fast tests of the village scope and the TinyMCE letter forms.

create_all makes the newer generation's shape (the models map its columns); the letter formats
are the five kinds' TinyMCE rows with OpenSID v2410's own `kode_isian` and `syarat_surat`. The
real thing, OpenSID's migrated demo database and its application, is what the integration and
end-to-end tests use; this one keeps the unit tests fast.

    village 1  Sumbermulyo (3517092006): the demo village (libs/siades/demo.py)
    village 2  Sukamaju (3517092099): one family; its head has BUDI SANTOSO's NIK
    programs   the demo's PKH, BPNT, KIS (village 1); "BANTUAN DESA" shared (config_id NULL),
               with a participant of each village
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, MetaData, UniqueConstraint

from libs.siades import migrate
from libs.siades.base import NAMING_CONVENTION, Base
from libs.siades.demo import DEMO_RESIDENTS, VILLAGE, insert_demo_village
from libs.siades.letter_kinds import KINDS
from libs.siades.letters import LetterFormat, Setting, VillageConfig
from libs.siades.lookups import LOOKUPS
from libs.siades.models import LOOKUP_MODELS, Area, Family, Resident
from libs.siades.programs import TARGET_PERSON, Program, ProgramParticipant
from libs.siades.village import Generation, Village, session_factory

VILLAGE_1 = Village(Generation.OPENSID_2312, 1, VILLAGE["village_name"], VILLAGE["village_code"])
VILLAGE_2 = Village(Generation.OPENSID_2312, 2, "Sukamaju", "3517092099")
SHARED_NIK = DEMO_RESIDENTS["head"][0]  # BUDI SANTOSO's, in village 1
VILLAGE_2_KK = "3517100101240001"  # another kecamatan's prefix: no demo No KK has it
VILLAGE_2_HEAD = "SUKARDI"
SHARED_PROGRAM = "BANTUAN DESA"

# kode_isian of OpenSID v2410's system formats (its demo database, ids 192, 210, 196, 194) and
# of the SKBPN village format init-db adds (libs/siades/formats/skbpn.json).
_KEPERLUAN = {"tipe": "textarea", "kode": "[form_keperluan]", "nama": "Keperluan",
              "deskripsi": "Masukkan Keperluan", "atribut": "", "required": "1"}
_KETERANGAN = {"tipe": "textarea", "kode": "[form_keterangan]", "nama": "Keterangan",
               "deskripsi": "Masukkan Keterangan", "atribut": "", "required": "1"}
FIELD_SPECS = {
    "SKU": [{"tipe": "text", "kode": "[form_nama_usaha]", "nama": "Nama Usaha",
             "deskripsi": "Masukkan Nama / Jenis usaha", "atribut": "", "required": "1"},
            _KEPERLUAN],
    "SKD": [_KEPERLUAN],
    "SKCK": [_KETERANGAN],
    "SKBPN": [_KEPERLUAN],
    "SKUM": [_KEPERLUAN, _KETERANGAN],
}
REQUIREMENTS = {"SKU": "[null,3]", "SKD": "[]", "SKCK": "[2,3,1]", "SKBPN": '["2","3","1"]',
                "SKUM": "[2,3,1]"}


@dataclass(frozen=True)
class CurrentDatabase:
    """The database's URL and engine, and a scoped session factory per village."""

    url: str
    engine: Engine

    def sessions(self, village: Village = VILLAGE_1):
        """Sessions that serve `village`."""
        return session_factory(self.engine, village)


def build(engine: Engine) -> None:
    """Create the tables and both villages in an empty SQLite database."""
    metadata = current_metadata()
    # OpenSID's tables here (program.userid too, gone from 23.12: harmless); ours by migrations,
    # as init-db makes them.
    metadata.create_all(engine, tables=[t for t in metadata.sorted_tables
                                        if not t.name.startswith("bot_")])
    migrate.upgrade(engine)
    with session_factory(engine, VILLAGE_1).begin() as session:
        for model in LOOKUP_MODELS:
            session.add_all(model(id=id_, name=name) for id_, name in LOOKUPS[model.__tablename__])
        session.add(VillageConfig(id=1, **VILLAGE))
        session.add(VillageConfig(id=2, **{**VILLAGE, "village_name": VILLAGE_2.name,
                                           "village_code": VILLAGE_2.code}))
        session.flush()
        insert_demo_village(session)
        _formats(session)
    with session_factory(engine, VILLAGE_2).begin() as session:
        _second_village(session)
        _formats(session)
    with session_factory(engine, VILLAGE_1).begin() as session:
        _shared_program(session)


def current_metadata() -> MetaData:
    """The models' tables as OpenSID >= 23.12 keys them: unique per village (config_id, nik),
    (config_id, no_kk), (config_id, telegram), (config_id, url_surat) ..."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    for table in Base.metadata.sorted_tables:
        copy = table.to_metadata(metadata)
        if "config_id" not in copy.c:
            continue
        for unique in [c for c in copy.constraints if isinstance(c, UniqueConstraint)]:
            copy.constraints.discard(unique)
            copy.append_constraint(UniqueConstraint(copy.c.config_id, *unique.columns))
    return metadata


def _formats(session) -> None:
    """The five kinds' TinyMCE formats and the numbering setting, in the session's village."""
    for code, kind in KINDS.items():
        session.add(LetterFormat(
            slug=kind.slug, name=kind.title.removeprefix("Surat "), code=kind.legacy.code,
            kind=4 if code == "SKBPN" else 3, self_service=1,
            field_spec=json.dumps(FIELD_SPECS[code]), requirement_spec=REQUIREMENTS[code]))
    session.add(Setting(key="format_nomor_surat", value="[kode_surat]/[nomor_surat, 3]/"
                        "[kode_desa]/[bulan_romawi]/[tahun]"))


def _second_village(session) -> None:
    area = Area(dusun="SUKAMAJU", rw="001", rt="001")
    session.add(area)
    session.flush()
    family = Family(no_kk=VILLAGE_2_KK, area_id=area.id)
    session.add(family)
    session.flush()
    head = Resident(nik=SHARED_NIK, name=VILLAGE_2_HEAD, family_id=family.id, family_role_id=1,
                    sex_id=1, birth_date=date(1978, 4, 12), marital_status_id=2,
                    area_id=area.id, residency_status=1)
    session.add(head)
    session.flush()
    family.head_id = head.id


def _shared_program(session) -> None:
    program = Program(name=SHARED_PROGRAM, target=TARGET_PERSON, start_date=date(2026, 1, 1),
                      end_date=date(2026, 12, 31), status=1)
    session.add(program)
    session.flush()
    program.config_id = None  # every village's
    for village_id, nik, name in ((1, SHARED_NIK, "BUDI SANTOSO"),
                                  (2, SHARED_NIK, VILLAGE_2_HEAD)):
        participant = ProgramParticipant(
            participant=nik, program_id=program.id, card_number=f"BD-{village_id}",
            kartu_nik=nik, kartu_nama=name, kartu_tanggal_lahir=date(1978, 4, 12))
        session.add(participant)
        session.flush()
        participant.config_id = village_id
