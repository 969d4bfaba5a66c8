"""What residents type -> (service, action, args)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.gateway.commands import UNKNOWN, Parsed, parse_text


@pytest.mark.parametrize("text, expected", [
    ("/start", Parsed("data", "start")),
    ("/start deep-link-payload", Parsed("data", "start")),
    ("Menu", Parsed("data", "start")),
    ("  mEnU ", Parsed("data", "start")),
    ("Biodata", Parsed("data", "biodata")),
    ("/biodata@desa_sim_bot", Parsed("data", "biodata")),
    ("KELUARGA", Parsed("data", "keluarga")),
    ("pkh", Parsed("data", "pkh")),
    ("BPNT", Parsed("data", "bpnt")),
    ("/kis", Parsed("data", "kis")),
    ("Daftar", Parsed("data", "register")),
    ("DAFTAR#5201142005716996#5201140104126994",
     Parsed("data", "register", ("5201142005716996", "5201140104126994"))),
    ("daftar # 5201142005716996 # 5201140104126994 ",
     Parsed("data", "register", ("5201142005716996", "5201140104126994"))),
    ("DAFTAR 5201142005716996 5201140104126994",
     Parsed("data", "register", ("5201142005716996", "5201140104126994"))),
    ("DAFTAR#123", Parsed("data", "register", ("123",))),
    ("Surat", Parsed("letter", "list")),
    ("status", Parsed("letter", "status")),
    ("Batal", Parsed("letter", "cancel")),
    ("Batal 12", Parsed("letter", "cancel", ("12",))),  # that request: asked, not cancelled
    ("batal dulu", Parsed("letter", "answer", ("batal dulu",))),
    ("AJUKAN LENGKAPI 12", Parsed("letter", "draft", ("LENGKAPI", "12"))),
    ("SKU", Parsed("letter", "help", ("SKU",))),
    ("skbpn", Parsed("letter", "help", ("SKBPN",))),
    ("SKU#Peternakan Ayam#Bank BNI#Pengajuan Pinjaman Modal",
     Parsed("letter", "request", ("SKU", "Peternakan Ayam", "Bank BNI",
                                  "Pengajuan Pinjaman Modal"))),
    ("SKD#Kecamatan#Beasiswa", Parsed("letter", "request", ("SKD", "Kecamatan", "Beasiswa"))),
    ("AJUKAN SKU", Parsed("letter", "draft", ("SKU",))),
    ("ajukan ubah tujuan", Parsed("letter", "draft", ("ubah", "tujuan"))),
    ("halo pak", Parsed("letter", "answer", ("halo pak",))),  # maybe a guided answer
    ("Biodata saya", Parsed("letter", "answer", ("Biodata saya",))),
    ("Biodata#x", Parsed("letter", "answer", ("Biodata#x",))),
    ("  Toko  Kelontong ", Parsed("letter", "answer", ("Toko  Kelontong",))),
    ("", UNKNOWN),
    ("#", UNKNOWN),
    ("   ", UNKNOWN),
])
def test_parse_text(text, expected):
    assert parse_text(text) == expected


@given(st.text(max_size=3000))
def test_any_text_parses_to_a_known_route(text):
    parsed = parse_text(text)
    assert parsed.service in ("data", "letter")
    assert all(len(a) <= 1000 for a in parsed.args)
