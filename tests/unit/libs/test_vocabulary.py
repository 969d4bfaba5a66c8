"""The shared words agree wherever they are used: each letter kind of libs/vocabulary/kinds.py
has its form, its button and its line in the list, and the gateway parses its code; every
button's callback word reaches the step it names; every request state has its name, its
metric label and what a resident is told."""

from __future__ import annotations

import pytest

from libs import texts
from libs.siades import letter_kinds
from libs.siades.letters import LetterRequest
from libs.vocabulary import callbacks
from libs.vocabulary.kinds import BUTTON_ROWS, KINDS
from libs.vocabulary.states import IN_PROCESS, STATUS_NAMES, RequestState
from services.gateway.commands import Parsed, parse_text
from services.letter_service import handlers
from services.letter_service.watcher import STATE_LABELS


def kind_buttons() -> list[dict]:
    return [button for row in texts.LETTER_KIND_BUTTONS["inline_keyboard"] for button in row]


def test_each_kind_has_one_form_with_its_name():
    assert set(letter_kinds.KINDS) == set(KINDS)
    for code, kind in letter_kinds.KINDS.items():
        assert kind.named is KINDS[code]
        assert (kind.code, kind.title) == (code, KINDS[code].title)


def test_each_kind_has_one_button_that_starts_its_guided_request():
    assert sorted(code for row in BUTTON_ROWS for code in row) == sorted(KINDS)
    buttons = kind_buttons()
    assert [b["text"] for b in buttons] == [KINDS[c].button for row in BUTTON_ROWS for c in row]
    for button, code in zip(buttons, [c for row in BUTTON_ROWS for c in row], strict=True):
        assert parse_text(button["callback_data"]) == Parsed("letter", "draft", (code,))
        assert code in letter_kinds.KINDS  # handlers.draft starts it


@pytest.mark.parametrize("code", sorted(KINDS))
def test_each_kind_is_listed_and_parsed_by_its_code(code):
    assert f"• <b>{code}</b> – {KINDS[code].title}" in texts.LETTER_KINDS
    assert parse_text(code.lower()) == Parsed("letter", "help", (code,))
    assert parse_text(f"{code}#a#b") == Parsed("letter", "request", (code, "a", "b"))


def test_each_field_a_kind_asks_has_its_label_and_question_in_texts():
    for kind in letter_kinds.KINDS.values():
        for field in kind.fields:
            assert (field.label, field.question) == texts.LETTER_FIELDS[field.name]


def test_every_callback_word_reaches_the_step_it_names():
    assert parse_text(callbacks.STATUS) == Parsed("letter", "status")
    assert parse_text(callbacks.cancel(12)) == Parsed("letter", "cancel", ("12",))
    for step in (callbacks.SEND, callbacks.DISCARD):
        assert parse_text(callbacks.draft(step)) == Parsed("letter", "draft", (step,))
    assert parse_text(callbacks.draft(callbacks.CHANGE, "tujuan")) == Parsed(
        "letter", "draft", (callbacks.CHANGE, "tujuan"))
    numbered = (callbacks.COMPLETE, callbacks.CONFIRM_CANCEL, callbacks.KEEP)
    assert set(handlers.NUMBERED_STEPS) == set(numbered)
    for step in numbered:
        assert parse_text(callbacks.draft(step, 12)) == Parsed("letter", "draft", (step, "12"))
    assert texts.DRAFT_SEND_BUTTON["callback_data"] == callbacks.draft(callbacks.SEND)
    assert texts.DRAFT_CANCEL_BUTTON["callback_data"] == callbacks.draft(callbacks.DISCARD)
    assert texts.LETTER_STATUS_BUTTON["callback_data"] == callbacks.STATUS


def test_every_request_state_has_its_number_name_label_and_sentence():
    assert [int(state) for state in RequestState] == [0, 1, 2, 3, 4, 5]
    assert STATUS_NAMES == {0: "Belum Lengkap", 1: "Sedang Diperiksa",
                            2: "Menunggu Tandatangan", 3: "Siap Diambil", 4: "Sudah Diambil",
                            5: "Dibatalkan"}
    assert texts.LETTER_STATES == STATUS_NAMES
    assert STATE_LABELS == {0: "incomplete", 1: "checking", 2: "awaiting_signature",
                            3: "ready", 4: "collected", 5: "cancelled"}
    # Status 5 is told by how it ended (texts.LETTER_ENDINGS), every other by its state
    assert set(texts.LETTER_STATE_DETAILS) == set(RequestState) - {RequestState.CANCELLED}
    assert all(isinstance(state, RequestState) for state in texts.LETTER_STATE_DETAILS)
    assert IN_PROCESS == (0, 1, 2)
    assert LetterRequest.__table__.c.status.server_default.arg.text == "0"


def test_every_outcome_of_the_verify_page_has_its_heading_and_sentences():
    from services.gateway import verify

    assert set(texts.VERIFY_OUTCOMES) == set(verify.STATUS)
