"""Hostile inputs shared by the tests in this directory: texts, Update-shaped JSON, settings.

Everything is deterministic (`derandomize=True`, no example database), so a failure in CI is a
failure on every machine.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Deterministic and quiet; the sizes per property are set where each property is defined.
HOSTILE = settings(derandomize=True, database=None, deadline=None, print_blob=False,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                          HealthCheck.function_scoped_fixture,
                                          HealthCheck.large_base_example])

SQL_METACHARACTERS = (
    "'; DROP TABLE tweb_penduduk; --",
    '" OR 1=1 --',
    "' OR '1'='1",
    "\\",
    "\\'",
    "%",
    "_",
    "%_%",
    "`tweb_penduduk`",
    "Robert'); DELETE FROM permohonan_surat WHERE ('1'='1",
    "1; SELECT SLEEP(5) --",
    "%' UNION SELECT nik FROM tweb_penduduk --",
    "\\\\%\\_",
    "/* */ ; -- #",
)

HTML_INPUTS = (
    "<b>tebal</b>",
    "<script>alert(1)</script>",
    "Tom & Jerry &amp; &lt;",
    '<a href="https://contoh.invalid/?a=1&b=2">klik</a>',
    "<i>miring",
    "1 < 2 > 0",
    "</code></pre><tg-spoiler>x</tg-spoiler>",
    "<img src=x onerror=alert(1)>",
)

# Characters that trip up text handling: RTL overrides, zero-width, BOM, NUL, astral, combining.
NASTY_CHARACTERS = (
    "\u202e", "\u202d", "\u200f", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\x00",
    "\x1b", "\r", "\n", "\t", "\u00a0", "\u3000", "\u2028", "\U0001d54a", "\U0001f600",
    "\u0301", "\u0130", "\u212a", "\u00df", "\u0627", "\u05e2", "#", "@", "/", "<", "&", "'",
)
NASTY_SNIPPETS = (
    "\U0001f469\u200d\U0001f469\u200d\U0001f467", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "\u05e2\u05d1\u05e8\u05d9\u05ea", "\u202eDAFTAR", "SKU\u200b", "\ufeffBiodata",
)

KEYWORDS = ("DAFTAR", "daftar", "/daftar@desa_bot", "Biodata", "/biodata", "Keluarga", "PKH",
            "BPNT", "KIS", "Menu", "/start", "Surat", "Status", "Batal", "AJUKAN", "ajukan SKU",
            "AJUKAN UBAH tujuan", "AJUKAN KIRIM", "SKU", "SKD", "SKCK", "SKBPN", "SKUM", "sku")

ONE_LINERS = (
    "DAFTAR#5201142005716996#5201140104126994",
    "DAFTAR 5201142005716996 5201140104126994",
    "SKU#Peternakan Ayam#Bank BNI#Pengajuan Pinjaman Modal",
    "SKUM#Tidak memiliki kendaraan bermotor#Sekolah#Persyaratan Beasiswa",
    "SKD#Kantor Kecamatan#Persyaratan Beasiswa",
    "SKCK#Polsek Jogoroto#Melamar Pekerjaan",
    "SKBPN#KUA Jogoroto#Persyaratan Menikah",
)


def cancel_request(say: Callable[[str], str]) -> str:
    """`Batal`, then the confirmation's button: the request in process is cancelled."""
    asked = say("Batal")
    number = re.search(r"nomor (?:<b>)?(\d+)", asked)  # as read, or as sent (HTML)
    return say(f"AJUKAN BATALKAN {number.group(1)}") if number else asked


def with_hash_at_every_position(text: str):
    """`text` with one '#' inserted at each position, and with each character replaced by '#'."""
    for i in range(len(text) + 1):
        yield text[:i] + "#" + text[i:]
    for i in range(len(text)):
        yield text[:i] + "#" + text[i + 1:]


# Any code point, lone surrogates included: json.loads turns "\ud800" into one, so they do arrive.
any_character = st.one_of(
    st.characters(),
    st.characters(categories=["Cs"]),
    st.sampled_from(NASTY_CHARACTERS),
    st.characters(min_codepoint=0x10000),
)



def texts(min_size: int = 0, max_size: int | None = None) -> st.SearchStrategy:
    """Strings of `any_character`, each kind of character as likely as the others.

    (st.text would merge the alphabet into code point intervals, making surrogates and the
    nasty characters vanishingly rare.)
    """
    return st.lists(any_character, min_size=min_size, max_size=max_size).map("".join)


snippets = st.lists(st.one_of(st.sampled_from(NASTY_SNIPPETS + KEYWORDS),
                              texts(max_size=5)), max_size=8).map("".join)

huge_text = st.tuples(texts(min_size=1, max_size=12),
                      st.integers(8_000, 100_000)).map(lambda t: (t[0] * t[1])[:100_000])

command_like = st.builds(
    lambda keyword, parts, sep: keyword + sep + "#".join(parts),
    st.sampled_from(KEYWORDS),
    st.lists(st.one_of(texts(max_size=30), st.sampled_from(SQL_METACHARACTERS),
                       st.sampled_from(HTML_INPUTS)), max_size=6),
    st.sampled_from(["#", " ", "", " # ", "##"]),
)

hash_spliced = st.builds(
    lambda line, i, hashes: line[:i] + hashes + line[i:],
    st.sampled_from(ONE_LINERS), st.integers(0, 80), st.sampled_from(["#", "##", "# #"]),
)

resident_text = st.one_of(
    texts(max_size=200),
    st.text(max_size=4096),
    snippets,
    command_like,
    hash_spliced,
    st.sampled_from(ONE_LINERS + KEYWORDS + SQL_METACHARACTERS + HTML_INPUTS),
    huge_text,
)

# Values of the wrong type, or of the right type but out of any sensible range.
odd_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**53, max_value=2**300),
    st.integers(max_value=-(2**63), min_value=-(2**300)),
    st.sampled_from([2**63, 2**64, -(2**63) - 1, 10**80, 10**200, -(10**200)]),
    st.floats(),  # NaN and +-Infinity too: json.loads accepts them
    texts(max_size=20),
    st.sampled_from(["1", "0x10", "1e3", " 42", ""]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def mostly(good: st.SearchStrategy) -> st.SearchStrategy:
    """`good` most of the time, a mistyped value now and then."""
    return st.one_of(good, good, good, odd_value)


telegram_id = st.one_of(st.integers(-(2**52), 2**52), st.integers(1, 10**10))

user = st.fixed_dictionaries({}, optional={
    "id": mostly(telegram_id),
    "is_bot": mostly(st.booleans()),
    "first_name": mostly(texts(max_size=80)),
    "last_name": mostly(st.text(max_size=20)),
    "username": mostly(st.text(max_size=20)),
    "language_code": mostly(st.sampled_from(["id", "en", "jv", ""])),
})

chat = st.fixed_dictionaries({}, optional={
    "id": mostly(telegram_id),
    "type": mostly(st.sampled_from(["private", "private", "group", "supergroup", "channel",
                                    "Private", ""])),
    "first_name": mostly(st.text(max_size=20)),
})

message = st.fixed_dictionaries({}, optional={
    "message_id": mostly(st.integers(1, 2**31)),
    "date": mostly(st.integers(0, 2**33)),
    "chat": mostly(chat),
    "from": mostly(user),
    "text": mostly(resident_text),
    "caption": mostly(st.text(max_size=20)),
    "photo": mostly(st.lists(st.fixed_dictionaries({"file_id": st.text(max_size=10)}),
                             max_size=2)),
    "entities": mostly(st.lists(st.fixed_dictionaries(
        {"type": st.sampled_from(["bot_command", "bold"]), "offset": st.integers(-5, 50),
         "length": st.integers(-5, 50)}), max_size=2)),
})

complete_message = st.fixed_dictionaries({
    "message_id": st.integers(1, 2**31),
    "date": st.integers(0, 2**33),
    "chat": st.fixed_dictionaries({"id": telegram_id, "type": st.just("private")}),
    "from": st.fixed_dictionaries({"id": telegram_id, "is_bot": st.just(False),
                                   "first_name": texts(max_size=80)},
                                  optional={"language_code": st.sampled_from(["id", "en"])}),
    "text": resident_text,
})

callback_query = st.fixed_dictionaries({}, optional={
    "id": mostly(st.text(max_size=40)),
    "from": mostly(user),
    "message": mostly(st.one_of(message, complete_message)),
    "data": mostly(st.one_of(resident_text, st.sampled_from(
        ["AJUKAN SKU", "AJUKAN KIRIM", "AJUKAN UBAH usaha", "AJUKAN BATAL"]))),
    "chat_instance": st.text(max_size=10),
})

UPDATE_KINDS = ("message", "callback_query", "edited_message", "channel_post",
                "my_chat_member", "inline_query", "message_reaction", "poll")

update_body = st.one_of(message, complete_message, callback_query, odd_value)


def _update(update_id, kind, body, others):
    raw = {**others, kind: body}
    if update_id is not ...:
        raw["update_id"] = update_id
    return raw


# One main kind (mostly a served one, often complete), sometimes others beside it.
update = st.builds(
    _update,
    st.one_of(mostly(st.integers(0, 2**31)), st.just(...)),
    st.sampled_from(("message", "callback_query") * 3 + UPDATE_KINDS),
    st.one_of(complete_message, update_body),
    st.dictionaries(st.sampled_from(UPDATE_KINDS), update_body, max_size=2),
)

served_update = st.one_of(
    st.builds(lambda i, m: {"update_id": i, "message": m}, st.integers(0, 2**31),
              complete_message),
    st.builds(lambda i, q: {"update_id": i, "callback_query": q}, st.integers(0, 2**31),
              st.fixed_dictionaries({
                  "id": st.text(min_size=1, max_size=40),
                  "from": complete_message.map(lambda m: m["from"]),
                  "message": complete_message,
                  "data": resident_text})),
)

# Any JSON document at all (no NaN: a strict JSON encoder would not write one).
json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.integers(2**63, 2**200),
              st.floats(allow_nan=False, allow_infinity=False), texts(max_size=40)),
    lambda children: st.one_of(st.lists(children, max_size=5),
                               st.dictionaries(st.text(max_size=12), children, max_size=5)),
    max_leaves=30,
)
