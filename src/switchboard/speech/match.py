"""What a caller's spoken answer means to an IVR menu: the digits in it, or the option chosen.

The text comes from speech-to-text, so it is written the way Whisper writes, not the
way people speak, and both functions accept every spelling of the same answer:

* Whisper writes digit strings as numerals ("5 5 1", "551", "5-5-1", "4,271", even
  "321.0.") as often as words ("Five, five, one."); `spoken_digits` reads both, and
  ignores the punctuation in between.
* People read numbers out the way they learnt to: "oh" for zero ("oh seven three"),
  "double five" for 55, "triple seven" for 777. "oh" (and a lone "o", which Whisper
  writes in spellings like "M-O-M-3") is a zero only next to another digit, so "Oh, I
  forgot" has no digits in it.
* Homophones of digits that Whisper writes when it does not know a number is being
  read out ("4 to 7 1", "2 for 1") count as the digit only between two digits: "to",
  "too" (2), "for" (4), "won" (1) and "ate" (8). "press 1 to talk to sales" stays "1".
* Numbers said as numbers ("fifty-five", "a hundred") are not digit strings and are
  not read: an IVR asks for digits.

`match_keyword` picks the menu option whose keywords the caller said, as whole words,
ignoring case and punctuation ("Sales." matches "sales", "sale" does not). A keyword of
several words ("existing order") matches those words in a row. An option whose key is a
digit ("1", like the DTMF key it stands for) also matches that digit said as a word or a
numeral, because callers answer "press 1 for sales" with "one" as often as with "sales".
When the caller mentions several options ("sales, or maybe support") the earliest
mention wins, as the first thing said is usually the answer; at the same word the longer
keyword wins, so "existing order" beats "order"; then the option listed first. Negation
("not sales") is not understood: the menu should re-prompt if that matters.

Pure functions: no I/O, no clock, no state.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

__all__ = ["match_keyword", "spoken_digits"]

_DIGIT_WORDS = {
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_ZERO_LETTERS = {"oh": "0", "o": "0"}  # a zero next to another digit
_HOMOPHONES = {"to": "2", "too": "2", "for": "4", "won": "1", "ate": "8"}  # between digits
_REPEATS = {"double": 2, "triple": 3}

# Words are runs of letters (with inner apostrophes: "don't"); every numeral digit is a
# word of its own, so "551" and "5 5 1" read alike.
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)*|\d")


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _digit(word: str) -> str | None:
    """The digit that `word` certainly is (a numeral or a digit's name), else None."""
    if word.isdigit():
        return word
    return _DIGIT_WORDS.get(word)


def spoken_digits(text: str) -> str:
    """All the digits spoken in `text`, in order, as a string of 0-9 ("" if none).

    >>> spoken_digits("Five, five, one."), spoken_digits("5 5 1"), spoken_digits("double five one")
    ('551', '551', '551')
    >>> spoken_digits("oh seven three"), spoken_digits("Oh, I forgot it")
    ('073', '')
    """
    words = _words(text)
    certain = [_digit(word) for word in words]
    resolved = list(certain)
    last = len(words) - 1
    for i, word in enumerate(words):  # "to" is a 2 only between two certain digits
        if word in _HOMOPHONES and 0 < i < last and certain[i - 1] and certain[i + 1]:
            resolved[i] = _HOMOPHONES[word]
    # An "oh" is a zero beside a digit, or beside an "oh" that is one ("oh oh seven"):
    # spread from the digits outwards until nothing changes.
    changed = True
    while changed:
        changed = False
        for i, word in enumerate(words):
            if resolved[i] is None and word in _ZERO_LETTERS:
                before = resolved[i - 1] if i > 0 else None
                after = resolved[i + 1] if i < last else None
                if before is not None or after is not None:
                    resolved[i] = _ZERO_LETTERS[word]
                    changed = True
    digits: list[str] = []
    for i, digit in enumerate(resolved):
        if digit is None:
            continue
        previous = words[i - 1] if i > 0 else ""
        digits.append(digit * _REPEATS.get(previous, 1))
    return "".join(digits)


def _keywords(key: str, keywords: Sequence[str]) -> list[list[str]]:
    """The keywords of one option as word sequences, with the digit a key stands for."""
    phrases = [_words(keyword) for keyword in keywords]
    if len(key) == 1 and key.isdigit():
        phrases.append([key])
        phrases += [[word] for word, digit in _DIGIT_WORDS.items() if digit == key]
    return [phrase for phrase in phrases if phrase]


def match_keyword(text: str, options: Mapping[str, Sequence[str]]) -> str | None:
    """The key of the option whose keyword is mentioned first in `text`, else None.

    >>> match_keyword("I want to talk to sales", {"1": ["sales"], "2": ["support"]})
    '1'
    >>> match_keyword("Two, please.", {"1": ["sales"], "2": ["support"]})
    '2'
    """
    words = _words(text)
    best: tuple[int, int, int] | None = None  # (position, -length, option order)
    chosen: str | None = None
    for order, (key, keywords) in enumerate(options.items()):
        for phrase in _keywords(key, keywords):
            size = len(phrase)
            for position in range(len(words) - size + 1):
                if words[position : position + size] == phrase:
                    rank = (position, -size, order)
                    if best is None or rank < best:
                        best, chosen = rank, key
                    break  # later mentions of the same phrase rank lower
    return chosen
