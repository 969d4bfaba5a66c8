"""A second village in an OpenSID v2410 database, the way hosted OpenSID keeps several in one.

v2410 puts `config_id` on nearly every table: one `config` row per village, and each row of a
village carries that village's id. Unique keys are per village ((config_id, nik), (config_id,
no_kk), (config_id, url_surat), (config_id, key), ...), so two villages may hold the same NIK.
A `program` with `config_id` NULL belongs to every village (OpenSID's `Bantuan::scopeConfigId`
reads `config_id = <village> OR config_id IS NULL`); its participants carry their own village's
id. OpenSID finds its own village by `config.app_key` = `desa/app_key`.

`add_second_village(url)` adds to a database loaded with the v2410 demo dump (village 1,
"Senggig1 ", kode_desa 5201142005), as plain SQLAlchemy Core and in one transaction:

- `config` 2: "Sukamaju", kode_desa 5201142099, its own app_key, same kecamatan as village 1;
- `tweb_wil_clusterdesa`: dusun SUKAMAJU (the dusun, RW and "-" rows OpenSID makes, RT 001, 002);
- `tweb_keluarga` + `tweb_penduduk` (+ their `log_keluarga` / `log_penduduk` rows, as OpenSID
  writes for a family and a resident who moved in), all alive (status_dasar 1):
  KK 5201141503240001 (RT 001): AHLUL HIDAYAT (head; NIK 5201142005716996, the NIK of village 1's
  AHLUL, who is on KK 5201140104126994), BAIQ NURHAYATI (wife), LALU RIZKI PRATAMA (child);
  KK 5201141503240002 (RT 002): MUHAMMAD ZAINI (head), SITI AMINAH (wife);
- `setting_aplikasi`: a copy of every village 1 row, with `format_nomor_surat`
  SECOND_NUMBER_FORMAT (village 1 keeps OpenSID's default), so a test sees whose setting was read;
- `ref_syarat_surat`: a copy of village 1's requirement kinds (new ids), and `tweb_surat_format`:
  copies of the TinyMCE system letters (`jenis` 3) in LETTER_URLS, `syarat_surat` pointing at
  village 2's requirement rows;
- `program`: BPNT of its own (config_id 2, sasaran 2 Keluarga; same name as village 1's BPNT, so a
  lookup by name alone finds the wrong one) with AHLUL HIDAYAT's family, and KIS shared by every
  village (config_id NULL, sasaran 1 Penduduk) with village 1's AHLUL and village 2's BAIQ
  NURHAYATI. AHLUL HIDAYAT is not in KIS: a participant lookup by NIK that ignores the village
  says he is.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, MetaData, Table, create_engine, insert, literal, select, update

FIRST_CONFIG_ID = 1
SHARED_NIK = "5201142005716996"  # AHLUL in the demo (tweb_penduduk.id 1, KK 5201140104126994)
SECOND_NAME = "Sukamaju"
SECOND_KODE_DESA = "5201142099"
SECOND_NUMBER_FORMAT = "[nomor_surat, 4]/[kode_surat]/[kode_desa]/[bulan_romawi]/[tahun]"
LETTER_URLS = (
    "surat-keterangan-usaha",
    "surat-keterangan-domisili",
    "surat-pengantar-surat-keterangan-catatan-kepolisian",
    "surat-keterangan-pengantar",
)
TABLES = (
    "config", "tweb_wil_clusterdesa", "tweb_keluarga", "tweb_penduduk", "log_penduduk",
    "log_keluarga", "setting_aplikasi", "ref_syarat_surat", "tweb_surat_format", "program",
    "program_peserta",
)
# kk_level 1 KEPALA KELUARGA, 3 ISTRI, 4 ANAK; sex 1 LAKI-LAKI, 2 PEREMPUAN; status_kawin 1 BELUM
# KAWIN, 2 KAWIN; pendidikan_kk_id 3 SD, 5 SLTA; pekerjaan_id 1 BELUM/TIDAK BEKERJA, 2 MENGURUS
# RUMAH TANGGA, 3 PELAJAR, 8 PERDAGANGAN, 9 PETANI. A woman's NIK has 40 added to her birth day.
FAMILIES = (
    ("5201141503240001", "001", (
        ("AHLUL HIDAYAT", SHARED_NIK, 1, 1, date(1971, 5, 20), 2, 5, 8),
        ("BAIQ NURHAYATI", "5201145208750001", 3, 2, date(1975, 8, 12), 2, 5, 2),
        ("LALU RIZKI PRATAMA", "5201141503050001", 4, 1, date(2005, 3, 15), 1, 5, 3),
    )),
    ("5201141503240002", "002", (
        ("MUHAMMAD ZAINI", "5201140211680001", 1, 1, date(1968, 11, 2), 2, 3, 9),
        ("SITI AMINAH", "5201144904720001", 3, 2, date(1972, 4, 9), 2, 3, 2),
    )),
)


@dataclass(frozen=True)
class VillageResident:
    """A resident as a test needs them: row id, NIK, the family card's No KK, name."""

    id: int
    config_id: int
    nik: str
    no_kk: str
    name: str
    kk_level: int


@dataclass(frozen=True)
class VillageProgram:
    """An assistance program and its participants as (config_id, program_peserta.peserta)."""

    id: int
    config_id: int | None
    name: str
    sasaran: int
    participants: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class TwoVillages:
    """What `add_second_village` made: the database's URL and the facts tests assert on."""

    url: str
    first_config_id: int
    second_config_id: int
    first_kode_desa: str
    second_kode_desa: str
    first_name: str
    second_name: str
    second_app_key: str
    first_number_format: str
    second_number_format: str
    shared_nik: str
    first_shared: VillageResident  # village 1's AHLUL
    residents: tuple[VillageResident, ...]  # village 2's; the one with the shared NIK first
    own_program: VillageProgram  # village 2's BPNT
    shared_program: VillageProgram  # KIS, config_id NULL
    letter_formats: dict[str, int]  # url_surat -> village 2's tweb_surat_format.id
    first_letter_formats: dict[str, int]  # url_surat -> village 1's tweb_surat_format.id

    @property
    def second_shared(self) -> VillageResident:
        """Village 2's resident holding the NIK of village 1's AHLUL (AHLUL HIDAYAT)."""
        return self.residents[0]

    def resident(self, name: str) -> VillageResident:
        """Village 2's resident of that name."""
        return next(r for r in self.residents if r.name == name)


def second_app_key() -> str:
    """The second village's app_key: fixed, in Laravel's `base64:` form like village 1's."""
    return "base64:" + base64.b64encode(hashlib.sha256(b"siades test village 2").digest()).decode()


def add_second_village(url: str) -> TwoVillages:
    """Add village 2 (see the module's docstring) to a v2410 demo database; return the facts."""
    engine = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine, only=TABLES, resolve_fks=False)
        with engine.begin() as conn:
            return _add(conn, meta.tables, url)
    finally:
        engine.dispose()


def _add(conn: Connection, t: dict[str, Table], url: str) -> TwoVillages:
    first = conn.execute(select(t["config"]).where(t["config"].c.id == FIRST_CONFIG_ID)).one()
    config = dict(first._mapping)
    for column in ("id", "created_at", "updated_at", "logo", "path", "lat", "lng"):
        config.pop(column)
    config.update(app_key=second_app_key(), nama_desa=SECOND_NAME, kode_desa=SECOND_KODE_DESA,
                  alamat_kantor="Jl. Raya Sukamaju No. 2", email_desa="", telepon="", website="")
    cid = conn.execute(insert(t["config"]).values(config)).inserted_primary_key[0]

    clusters = {}
    for rt, rw in (("0", "0"), ("0", "-"), ("-", "-"), ("001", "-"), ("002", "-")):
        clusters[rt] = conn.execute(insert(t["tweb_wil_clusterdesa"]).values(
            config_id=cid, rt=rt, rw=rw, dusun="SUKAMAJU")).inserted_primary_key[0]

    residents, heads = [], {}
    for no_kk, rt, members in FAMILIES:
        # tweb_keluarga.nik_kepala -> tweb_penduduk.id and back: the family first, its head after.
        family = conn.execute(insert(t["tweb_keluarga"]).values(
            config_id=cid, no_kk=no_kk, alamat="Dusun Sukamaju", id_cluster=clusters[rt],
            tgl_daftar="2024-03-15 09:00:00", updated_by=1)).inserted_primary_key[0]
        conn.execute(insert(t["log_keluarga"]).values(
            config_id=cid, id_kk=family, id_peristiwa=1, tgl_peristiwa="2024-03-15 09:00:00",
            updated_by=1))
        for name, nik, kk_level, sex, born, kawin, pendidikan, pekerjaan in members:
            pid = conn.execute(insert(t["tweb_penduduk"]).values(
                config_id=cid, nama=name, nik=nik, id_kk=family, kk_level=kk_level, sex=sex,
                tempatlahir="SUKAMAJU", tanggallahir=born, agama_id=1, pendidikan_kk_id=pendidikan,
                pendidikan_sedang_id=18, pekerjaan_id=pekerjaan, status_kawin=kawin,
                warganegara_id=1, golongan_darah_id=13, id_cluster=clusters[rt], status=1,
                status_dasar=1, hamil=2, alamat_sekarang="", ktp_el=0, status_rekam=0,
                created_by=1, updated_by=1, hubung_warga="Telegram",
            )).inserted_primary_key[0]
            conn.execute(insert(t["log_penduduk"]).values(
                config_id=cid, id_pend=pid, kode_peristiwa=5, tgl_peristiwa="2024-03-15 09:00:00",
                tgl_lapor="2024-03-15 09:00:00", ref_pindah=1, created_by=1))
            residents.append(VillageResident(pid, cid, nik, no_kk, name, kk_level))
            if kk_level == 1:
                heads[no_kk] = pid
                conn.execute(update(t["tweb_keluarga"]).where(t["tweb_keluarga"].c.id == family)
                             .values(nik_kepala=pid))

    setting = t["setting_aplikasi"]
    _copy_rows(conn, setting, cid, setting.c.config_id == FIRST_CONFIG_ID)
    conn.execute(update(setting).where(setting.c.config_id == cid,
                                       setting.c.key == "format_nomor_surat")
                 .values(value=SECOND_NUMBER_FORMAT))
    first_number_format = conn.scalar(select(setting.c.value).where(
        setting.c.config_id == FIRST_CONFIG_ID, setting.c.key == "format_nomor_surat"))

    first_formats, formats = _copy_letter_formats(conn, t, cid)
    own, shared = _add_programs(conn, t, cid, residents, heads)
    ahlul = conn.execute(
        select(t["tweb_penduduk"].c.id, t["tweb_keluarga"].c.no_kk, t["tweb_penduduk"].c.nama,
               t["tweb_penduduk"].c.kk_level)
        .join(t["tweb_keluarga"], t["tweb_keluarga"].c.id == t["tweb_penduduk"].c.id_kk)
        .where(t["tweb_penduduk"].c.config_id == FIRST_CONFIG_ID,
               t["tweb_penduduk"].c.nik == SHARED_NIK)).one()
    return TwoVillages(
        url=url, first_config_id=FIRST_CONFIG_ID, second_config_id=cid,
        first_kode_desa=first.kode_desa, second_kode_desa=SECOND_KODE_DESA,
        first_name=first.nama_desa, second_name=SECOND_NAME, second_app_key=second_app_key(),
        first_number_format=first_number_format, second_number_format=SECOND_NUMBER_FORMAT,
        shared_nik=SHARED_NIK,
        first_shared=VillageResident(ahlul.id, FIRST_CONFIG_ID, SHARED_NIK, ahlul.no_kk,
                                     ahlul.nama, ahlul.kk_level),
        residents=tuple(residents), own_program=own, shared_program=shared,
        letter_formats=formats, first_letter_formats=first_formats,
    )


def _copy_rows(conn: Connection, table: Table, config_id: int, where, **overrides) -> None:
    """INSERT ... SELECT the rows matching `where` with config_id (and `overrides`) replaced."""
    columns = [c for c in table.c if not c.primary_key]
    values = {"config_id": config_id, **overrides}
    source = select(*[literal(values[c.name]) if c.name in values else c for c in columns])
    conn.execute(insert(table).from_select([c.name for c in columns], source.where(where)))


def _copy_letter_formats(conn: Connection, t: dict[str, Table], cid: int
                         ) -> tuple[dict[str, int], dict[str, int]]:
    """Village 1's requirement kinds and LETTER_URLS formats, copied for village 2."""
    syarat = t["ref_syarat_surat"]
    syarat_ids = {}
    for row in conn.execute(select(syarat).where(syarat.c.config_id == FIRST_CONFIG_ID)
                            .order_by(syarat.c.ref_syarat_id)):
        syarat_ids[row.ref_syarat_id] = conn.execute(insert(syarat).values(
            config_id=cid, ref_syarat_nama=row.ref_syarat_nama)).inserted_primary_key[0]

    fmt = t["tweb_surat_format"]
    wanted = (fmt.c.config_id == FIRST_CONFIG_ID) & (fmt.c.jenis == 3) & fmt.c.url_surat.in_(
        LETTER_URLS)
    _copy_rows(conn, fmt, cid, wanted)
    first = dict(conn.execute(select(fmt.c.url_surat, fmt.c.id).where(wanted)).all())
    copies = conn.execute(select(fmt.c.id, fmt.c.url_surat, fmt.c.syarat_surat).where(
        fmt.c.config_id == cid)).all()
    for row in copies:
        # OpenSID stores the requirements as a JSON list of ref_syarat_surat ids (null allowed).
        ids = json.loads(row.syarat_surat) if row.syarat_surat else None
        if ids:
            mapped = [syarat_ids.get(i) if i is not None else None for i in ids]
            conn.execute(update(fmt).where(fmt.c.id == row.id).values(
                syarat_surat=json.dumps(mapped, separators=(",", ":"))))
    missing = set(LETTER_URLS) - set(first)
    if missing:
        raise LookupError(f"village 1 has no jenis 3 format {sorted(missing)}")
    return first, {row.url_surat: row.id for row in copies}


def _add_programs(conn: Connection, t: dict[str, Table], cid: int,
                  residents: list[VillageResident], heads: dict[str, int]
                  ) -> tuple[VillageProgram, VillageProgram]:
    """Village 2's own BPNT (families) and KIS shared by every village (persons)."""
    program, peserta = t["program"], t["program_peserta"]
    penduduk, cluster = t["tweb_penduduk"], t["tweb_wil_clusterdesa"]

    def add_program(config_id, name, slug, sasaran, ndesc):
        return conn.execute(insert(program).values(
            config_id=config_id, nama=name, slug=slug, sasaran=sasaran, ndesc=ndesc,
            sdate=date(2024, 1, 1), edate=date(2030, 12, 31), status=1, asaldana="Pusat",
            created_by=1, updated_by=1)).inserted_primary_key[0]

    def add_participant(program_id, config_id, person_id, peserta_value, card):
        row = conn.execute(select(penduduk, cluster.c.rt, cluster.c.rw, cluster.c.dusun)
                           .join(cluster, cluster.c.id == penduduk.c.id_cluster)
                           .where(penduduk.c.id == person_id)).one()
        conn.execute(insert(peserta).values(
            config_id=config_id, peserta=peserta_value, program_id=program_id, no_id_kartu=card,
            kartu_nik=row.nik, kartu_nama=row.nama, kartu_tempat_lahir=row.tempatlahir or "",
            kartu_tanggal_lahir=row.tanggallahir, kartu_id_pend=person_id,
            kartu_alamat=f"RT {row.rt}  RW {row.rw} Dusun {row.dusun.title()}",  # as the demo's
            created_by=1, updated_by=1))
        return (config_id, peserta_value)

    own_id = add_program(cid, "BPNT", "bpnt", 2,
                         "Bantuan Pangan Non Tunai Desa Sukamaju (test village 2)")
    family = residents[0]
    own = VillageProgram(own_id, cid, "BPNT", 2, (
        add_participant(own_id, cid, heads[family.no_kk], family.no_kk, "BPNT-2-0001"),
    ))

    shared_id = add_program(None, "KIS", "kis", 1,
                            "Kartu Indonesia Sehat, shared by every village (config_id NULL)")
    baiq = next(r for r in residents if r.name == "BAIQ NURHAYATI")
    ahlul_id = conn.scalar(select(penduduk.c.id).where(
        penduduk.c.config_id == FIRST_CONFIG_ID, penduduk.c.nik == SHARED_NIK))
    shared = VillageProgram(shared_id, None, "KIS", 1, (
        add_participant(shared_id, FIRST_CONFIG_ID, ahlul_id, SHARED_NIK, "KIS-1-0001"),
        add_participant(shared_id, cid, baiq.id, baiq.nik, "KIS-2-0001"),
    ))
    return own, shared
