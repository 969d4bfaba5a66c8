"""Letter numbers: roman months, OpenSID's template placeholders, the yearly sequence per format."""

from __future__ import annotations

from datetime import date

import pytest

from libs.siades.letter_forms import format_ids
from libs.siades.letter_kinds import DEFAULT_NUMBER_FORMAT
from libs.siades.letters import LetterLog
from services.letter_service.numbering import (
    format_number,
    next_sequence,
    number_template,
    roman_month,
)


def test_roman_months():
    assert [roman_month(m) for m in range(1, 13)] == [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
    with pytest.raises(ValueError):
        roman_month(13)


def number(template, sequence=7, issued=date(2026, 11, 28)):
    return format_number(template, format_code="S-14", sequence=sequence,
                         village_code="3517092006", issued=issued)


def test_the_default_template_as_the_demo_uses_it():
    assert number(DEFAULT_NUMBER_FORMAT) == "S-14/007/3517092006/XI/2026"


def test_padding_width_and_unpadded_sequence():
    assert number("[nomor_surat, 3]", sequence=1234) == "1234"
    assert number("[nomor_surat,5]") == "00007"
    assert number("[nomor_surat]") == "7"
    assert number("470/[nomor_surat]/[tahun]", issued=date(2027, 1, 2)) == "470/7/2027"


def test_unknown_placeholders_are_left_as_they_are():
    assert number("[kode_surat]/[kode_kecamatan]/[tahun, 2]") == "S-14/[kode_kecamatan]/[tahun, 2]"


def test_the_template_comes_from_the_setting(session_factory):
    with session_factory() as session:
        assert number_template(session) == DEFAULT_NUMBER_FORMAT


def log(format_id, sequence, year):
    return LetterLog(format_id=format_id, resident_id=1, official_id=0, user_id=0, month="11",
                     year=str(year), number=str(sequence))


def test_sequences_count_per_format_and_restart_every_year(session_factory):
    with session_factory() as session:
        ids = format_ids(session)
        sku, skd = ids["SKU"], ids["SKD"]
        assert next_sequence(session, sku, 2026) == 1
        session.add_all([log(sku, 1, 2026), log(sku, 2, 2026), log(sku, 9, 2026),
                         log(sku, 10, 2026), log(skd, 1, 2026), log(sku, 40, 2025)])
        session.flush()
        assert next_sequence(session, sku, 2026) == 11  # numerically: "10" after "9"
        assert next_sequence(session, skd, 2026) == 2
        assert next_sequence(session, sku, 2027) == 1
        assert next_sequence(session, ids["SKCK"], 2026) == 1


def test_stray_text_in_no_surat_is_ignored(session_factory):
    with session_factory() as session:
        sku = format_ids(session)["SKU"]
        session.add_all([log(sku, "007", 2026), log(sku, "", 2026), log(sku, "x1", 2026)])
        session.flush()
        assert next_sequence(session, sku, 2026) == 8
