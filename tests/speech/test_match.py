"""Reading a caller's transcribed answer: digits however Whisper wrote them, menu choices.

Covered: `spoken_digits` on numerals, digit words, punctuation, "oh" for zero only next
to digits, "double"/"triple", homophones between digits only, text without digits, and
a property (any digit string read out word by word, in any mix of numerals and words,
with any separators, gives the digits back); `match_keyword` on whole words, case and
punctuation, several-word keywords, digit keys answered by "one"/"1", the earliest
mention winning, the longer keyword winning at the same word, and no match.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.speech.match import match_keyword, spoken_digits

FUZZ = 1000 if os.environ.get("CI") else 200

WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

MENU = {"1": ["sales"], "2": ["support", "technical support"], "3": ["billing", "my bill"]}


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("five five one", "551"),
        ("Five, five, one.", "551"),
        ("5 5 1", "551"),
        ("551", "551"),
        ("5-5-1.", "551"),
        ("5, 5, 1.", "551"),
        ("FIVE FIVE ONE", "551"),
        ("double five one", "551"),
        ("Double 5 1.", "551"),
        ("one double five", "155"),
        ("triple seven", "777"),
        ("zero zero seven", "007"),
        ("oh seven three", "073"),
        ("seven oh three", "703"),
        ("oh oh seven", "007"),
        ("double oh seven", "007"),
        ("My account number is 4, 2, 7, 1.", "4271"),
        ("my count number in 4 to 7 1", "4271"),  # Whisper's "to" between digits is a 2
        ("2 for 1", "241"),
        ("321.0.", "3210"),
        ("4,271", "4271"),
        ("Nine, eight, seven, six, five, four, three, two, one, zero.", "9876543210"),
        ("five, um, five one", "551"),
    ],
)
def test_digits_are_read_however_whisper_wrote_them(text: str, digits: str) -> None:
    assert spoken_digits(text) == digits


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Thank you.",
        "Oh, I forgot it.",  # "oh" with no digit beside it is not a zero
        "I want to talk to sales.",  # "to" is not a 2 away from digits
        "press for help",
        "M-O-M",
        "twenty",  # a number said as a number is not a digit string
    ],
)
def test_answers_without_digits_give_an_empty_string(text: str) -> None:
    assert spoken_digits(text) == ""


def test_homophones_count_only_between_two_digits() -> None:
    assert spoken_digits("press 1 to talk to sales") == "1"
    assert spoken_digits("1 to 2") == "122"
    assert spoken_digits("for 5") == "5"


@given(
    digits=st.text(alphabet="0123456789", min_size=1, max_size=16),
    data=st.data(),
)
@settings(max_examples=FUZZ, deadline=None)
def test_any_digit_string_read_out_gives_its_digits_back(digits: str, data: st.DataObject) -> None:
    separators = st.sampled_from([" ", ", ", "-", ". ", "  ", " ... ", ",", "; "])
    spoken = ""
    for index, digit in enumerate(digits):
        as_word = data.draw(st.booleans(), label=f"word for {digit}")
        word = WORDS[int(digit)] if as_word else digit
        if data.draw(st.booleans(), label="capitalised"):
            word = word.capitalize()
        spoken += (data.draw(separators) if index else "") + word
    spoken += data.draw(st.sampled_from(["", ".", "!", "?"]))
    assert spoken_digits(spoken) == digits


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("I want to talk to sales", "1"),
        ("Sales.", "1"),
        ("SALES, please!", "1"),
        ("support please", "2"),
        ("I need technical support", "2"),
        ("There is a problem with my bill.", "3"),
        ("billing", "3"),
        ("One.", "1"),  # the digit key said as a word...
        ("2", "2"),  # ...or written as a numeral
        ("Option three, please", "3"),
        ("Sales, or maybe support.", "1"),  # the earliest mention wins
        ("Support, or maybe sales.", "2"),
    ],
)
def test_the_option_mentioned_is_chosen(text: str, key: str) -> None:
    assert match_keyword(text, MENU) == key


@pytest.mark.parametrize(
    "text",
    [
        "",
        "I want to talk to Dale.",
        "salesman",  # whole words only
        "I got a bill",  # "bill" alone is neither "my bill" nor "billing"
        "Four.",  # a digit that is no option's key
    ],
)
def test_no_option_mentioned_gives_none(text: str) -> None:
    assert match_keyword(text, MENU) is None


def test_several_word_keywords_need_their_words_in_a_row() -> None:
    orders = {"new": ["new order"], "existing": ["existing order"], "other": ["order"]}
    assert match_keyword("I have an existing order", orders) == "existing"
    assert match_keyword("Existing... order!", orders) == "existing"  # punctuation between
    assert match_keyword("a new, existing order", orders) == "existing"
    assert match_keyword("order status", orders) == "other"
    assert match_keyword("existing customer", orders) is None


def test_at_the_same_word_the_longer_keyword_wins_then_the_first_option() -> None:
    options = {"short": ["tech"], "long": ["tech support"], "again": ["tech"]}
    assert match_keyword("tech support please", options) == "long"
    assert match_keyword("tech please", options) == "short"


def test_a_digit_key_matches_its_spoken_digit_even_without_keywords() -> None:
    options: dict[str, list[str]] = {"0": [], "9": ["operator"]}
    assert match_keyword("zero", options) == "0"
    assert match_keyword("Nine.", options) == "9"
    assert match_keyword("get me an operator", options) == "9"
    assert match_keyword("ten", options) is None
