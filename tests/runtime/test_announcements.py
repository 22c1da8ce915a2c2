"""What a caller waiting in a queue is told (`waiting_room.announcement`)."""

from __future__ import annotations

import pytest

from switchboard.runtime.waiting_room import EXACT_PLACES, announcement


@pytest.mark.parametrize(
    ("position", "wait", "said"),
    [
        (1, None, "You are next in line."),
        (3, 30.0, "You are number 3 in line. Your wait should be less than a minute."),
        (4, 61.0, "You are number 4 in line. Your estimated wait is about 2 minutes."),
        (9, 540.0, "You are number 9 in line. Your estimated wait is about 9 minutes."),
        (2, 3_700.0, "You are number 2 in line. Your estimated wait is more than an hour."),
        (EXACT_PLACES, None, f"You are number {EXACT_PLACES} in line."),
        (EXACT_PLACES + 1, None, "There are over 20 callers ahead of you."),
        (4_000, None, "There are over 20 callers ahead of you."),
    ],
)
def test_the_place_and_the_wait_rounded_up_to_whole_minutes(
    position: int, wait: float | None, said: str
) -> None:
    assert announcement(position, wait) == said


def test_the_keys_the_queue_offers_are_said_by_name() -> None:
    assert announcement(2, None, "#", "*") == (
        "You are number 2 in line. To leave a message, press pound. "
        "To be called back without losing your place, press star."
    )
    assert announcement(1, None, None, "2").endswith("without losing your place, press 2.")


def test_a_queue_says_a_bounded_set_of_sentences() -> None:
    """Each distinct sentence is rendered once by the TTS, then cached: however long
    the line and the wait, a queue has at most a few thousand of them."""
    sentences = {
        announcement(position, seconds, "1", "2")
        for position in range(1, 10_001, 7)
        for seconds in range(0, 20_000, 45)
    }
    assert len(sentences) <= (EXACT_PLACES + 1) * 62
