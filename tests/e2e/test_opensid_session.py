"""The same resident session against OpenSID's own demo database on MariaDB, as AHLUL."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from tests.support.system import ROOT, System

AHLUL_NIK, AHLUL_KK = "5201142005716996", "5201140104126994"


@pytest.fixture
def system(amqp_url, opensid_db_url, tmp_path):
    # `init-db` adds the bot_ tables beside OpenSID's, touching none of its rows.
    subprocess.run([sys.executable, "-m", "libs.siades", "init-db"], cwd=ROOT, check=True,
                   env={"DATABASE_URL": opensid_db_url, "PATH": "/usr/bin:/bin"})
    system = System(amqp_url, opensid_db_url, tmp_path).start()
    yield system
    system.stop()


def test_ahlul_reads_what_the_opensid_dump_holds(system, opensid_db_url):
    user = 5201
    assert "Senggig1" in system.ask(user, "/start")["text"]
    done = system.ask(user, f"DAFTAR#{AHLUL_NIK}#{AHLUL_KK}")["text"]
    assert "Pendaftaran berhasil" in done and "AHLUL" in done

    bio = system.ask(user, "Biodata")["text"]
    for expected in ("Nama: <b>AHLUL</b>", "NIK: 5201**********96",
                     "Tempat/Tgl Lahir: MANGSIT, 20 Mei 1970", "Jenis Kelamin: LAKI-LAKI",
                     "Agama: ISLAM", "Status Perkawinan: KAWIN",
                     "Pendidikan: TAMAT SD / SEDERAJAT", "Pekerjaan: TUKANG BATU",
                     "Kewarganegaraan: WNI", "Hubungan dalam Keluarga: KEPALA KELUARGA",
                     "Alamat: RT 004, Dusun MANGSIT"):
        assert expected in bio

    engine = create_engine(opensid_db_url)
    with engine.connect() as conn:
        living = set(conn.execute(text(
            "SELECT nama FROM tweb_penduduk WHERE id_kk = 1 AND status_dasar = 1")).scalars())
        linked = conn.execute(text(
            "SELECT telegram, telegram_tgl_verifikasi FROM tweb_penduduk WHERE nik = :nik"),
            {"nik": AHLUL_NIK}).one()
    engine.dispose()
    assert linked[0] == str(user) and linked[1] is not None  # OpenSID's own columns

    family = system.ask(user, "Keluarga")["text"]
    members = [line.split(". ", 1)[1].split(" – ")[0]
               for line in family.splitlines() if line[:1].isdigit()]
    assert members[0] == "AHLUL" and set(members) == living
    assert "No KK: 5201**********94" in family

    bpnt = system.ask(user, "BPNT")["text"]
    assert "bukan penerima saat ini" in bpnt and "BPNT – kartu 2, periode 13 Desember 2015 " \
        "s.d. 13 Desember 2021 (sudah berakhir)" in bpnt
    kis = system.ask(user, "KIS")["text"]  # by NIK, through the alias JAMKESMAS
    assert "JAMKESMAS – kartu 1" in kis and "program tidak aktif" in kis
    assert "tidak terdaftar" in system.ask(user, "PKH")["text"]
