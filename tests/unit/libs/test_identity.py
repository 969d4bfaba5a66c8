"""NIK / No KK shape and masking."""

from hypothesis import given
from hypothesis import strategies as st

from libs.identity import is_identity_number, mask, mask_in_text


def test_mask_keeps_four_and_two():
    assert mask("5201142005716996") == "5201**********96"


def test_mask_hides_short_and_empty():
    assert mask("") == "-"
    assert mask(None) == "-"
    assert mask("12345") == "*****"


def test_identity_number_shape():
    assert is_identity_number("5201142005716996")
    assert not is_identity_number("520114200571699")
    assert not is_identity_number("52011420057169961")
    assert not is_identity_number("520114200571699x")
    assert not is_identity_number("５２０１１４２００５７１６９９６")  # full-width digits


def test_mask_in_text_masks_every_identity_number():
    line = "DAFTAR#5201142005716996#5201140104126994 from chat 12345"
    assert mask_in_text(line) == "DAFTAR#5201**********96#5201**********94 from chat 12345"


@given(st.from_regex(r"[0-9]{16}", fullmatch=True))
def test_masked_numbers_never_show_the_middle(number):
    masked = mask(number)
    assert masked[4:14] == "*" * 10 and len(masked) == 16
    assert number[4:14] not in mask_in_text(f"nik={number}")


def test_placeholders_are_the_syntax_words_examples_and_trivial_numbers():
    from libs.identity import is_placeholder
    for value in ("NIK", "No KK", "<No KK>", "nokk", "3517090101800001", "0000000000000000",
                  "1234567890123456", "6543210987654321"):
        assert is_placeholder(value), value
    for value in ("5201142005716996", "3517090000000001", "123", "' OR '1'='1", "", "NIKAH"):
        assert not is_placeholder(value), value


def test_digest_is_the_sha256_hex_of_the_nik():
    import hashlib

    from libs.identity import digest
    assert digest("5201142005716996") == hashlib.sha256(b"5201142005716996").hexdigest()
    assert len(digest("5201142005716996")) == 64
