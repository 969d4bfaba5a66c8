"""The notifier's Pacer: evenly spaced slots for the bot, each chat and each group."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notifier.pacing import Limits, Pacer


def run(pacer: Pacer, chats: list[int]) -> list[tuple[float, int]]:
    """Send to `chats` in order, each as early as the pacer allows; (time, chat) of each."""
    sent, now = [], 0.0
    for chat in chats:
        now = max(now, pacer.ready_at(chat))
        pacer.take(now, chat)
        sent.append((now, chat))
    return sent


def test_a_quiet_bot_sends_at_once():
    assert Pacer(Limits()).ready_at(5) == 0.0


def test_many_chats_go_at_the_bot_rate():
    sent = run(Pacer(Limits(per_second=30)), list(range(1, 301)))
    assert sent[-1][0] == pytest.approx(299 / 30)


def test_one_chat_gets_one_message_a_second():
    sent = run(Pacer(Limits()), [7] * 5)
    assert [t for t, _ in sent] == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_a_bot_that_sends_a_little_late_keeps_its_rate():
    pacer, now = Pacer(Limits(per_second=30)), 0.0
    for chat in range(1, 301):
        now = max(now, pacer.ready_at(chat)) + 0.005  # the loop wakes 5 ms after each slot
        pacer.take(now, chat)
    assert now == pytest.approx(299 / 30 + 0.005, abs=0.01)


def test_a_group_gets_twenty_a_minute():
    sent = run(Pacer(Limits()), [-100] * 21)
    assert sent[-1][0] == 60.0


def test_a_pause_holds_every_chat():
    pacer = Pacer(Limits())
    pacer.pause(5.0)
    assert pacer.ready_at(1) == pacer.ready_at(2) == pacer.ready_at(None) == 5.0


def test_a_call_into_no_chat_spends_only_the_bot_slot():
    pacer = Pacer(Limits(per_second=10))
    pacer.take(0.0, 3)
    pacer.take(0.1, None)  # answerCallbackQuery
    assert pacer.chat_ready_at(3) == 1.0 and pacer.bot_ready_at() == 0.2


@given(st.lists(st.integers(-3, 5).filter(bool), min_size=1, max_size=200))
def test_no_window_ever_holds_more_than_the_limits(chats):
    limits = Limits(per_second=30, per_chat_per_second=1, per_group_per_minute=20)
    sent = run(Pacer(limits), chats)
    epsilon = 1e-9
    for i, (t, _) in enumerate(sent):
        assert sum(1 for u, _ in sent[i:] if u < t + 1 - epsilon) <= 30 + 1  # one made up
        for chat in set(chats):
            times = [u for u, c in sent if c == chat]
            gap = 3.0 if chat < 0 else 1.0
            assert all(b - a >= gap - epsilon for a, b in itertools.pairwise(times))
