"""Prompts spoken by the real espeak-ng (and flite) and cached as 8 kHz WAV files.

Covered: a rendered prompt is 16-bit 8 kHz mono with a plausible duration and actual
sound, by either engine; the second render of a text is a cache hit (the same file, not
rewritten, and found even when espeak-ng is gone); `render_sync` and `render` share the
cache; concurrent renders of one text run espeak-ng once (counted by a wrapper script in
front of the real binary) and leave one file and no temporary; engine, voice, word gap
and text change the file; a text starting with "-" is spoken, not taken as an option;
and every failure is a `SpeechError` that says what to do: the engine missing (by path
or from PATH), an unknown voice, a voice that is a path or URL, an empty or too long
text.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from switchboard.speech.errors import SpeechError
from switchboard.speech.tts import MAX_TEXT, Engine, PromptCache

MENU = "Press one for sales, two for support."


def wav_facts(path: Path) -> tuple[int, int, int, float, float]:
    """(channels, sample width, rate, duration in seconds, RMS level) of a WAV file."""
    with wave.open(str(path), "rb") as file:
        frames = file.readframes(file.getnframes())
        facts = (file.getnchannels(), file.getsampwidth(), file.getframerate())
        duration = file.getnframes() / file.getframerate()
    samples = np.frombuffer(frames, "<i2").astype(np.float64)
    return (*facts, duration, float(np.sqrt(np.mean(samples**2))))


def counting_espeak(tmp_path: Path) -> tuple[str, Path]:
    """A wrapper in front of the real espeak-ng that logs each run: (program, log)."""
    real = shutil.which("espeak-ng")
    assert real is not None, "espeak-ng is not installed: run ./scripts/sysdeps.sh"
    log = tmp_path / "runs.log"
    wrapper = tmp_path / "espeak-counting"
    wrapper.write_text(f'#!/bin/sh\necho run >> "{log}"\nsleep 0.2\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper), log


@pytest.mark.parametrize("engine", ["espeak-ng", "flite"])
def test_a_prompt_is_8khz_mono_16bit_speech_of_plausible_length(
    tmp_path: Path, engine: Engine
) -> None:
    cache = PromptCache(tmp_path / "prompts", engine=engine)
    path = asyncio.run(cache.render(MENU))
    channels, width, rate, duration, level = wav_facts(path)
    assert (channels, width, rate) == (1, 2, 8000)
    assert 1.5 < duration < 6.0  # seven words at ~150-175 words per minute, with pauses
    assert level > 500  # speech, not silence
    assert path.parent == tmp_path / "prompts"
    assert path.suffix == ".wav"


def test_the_second_render_is_a_cache_hit(tmp_path: Path) -> None:
    cache = PromptCache(tmp_path)
    first = asyncio.run(cache.render(MENU))
    written = 1_000_000_000  # an old time: a render would write a new one
    os.utime(first, ns=(written, written))
    started = time.perf_counter()
    second = asyncio.run(cache.render(MENU))
    assert time.perf_counter() - started < 0.05
    assert second == first
    assert second.stat().st_mtime_ns == written  # not rendered again
    # Another process's cache over the same directory finds it without espeak-ng at all.
    without_espeak = PromptCache(tmp_path, program=str(tmp_path / "no-such-espeak"))
    assert asyncio.run(without_espeak.render(MENU)) == first
    assert without_espeak.render_sync(MENU) == first
    assert sorted(tmp_path.iterdir()) == [first]


def test_render_sync_and_render_share_the_cache(tmp_path: Path) -> None:
    program, log = counting_espeak(tmp_path)
    cache = PromptCache(tmp_path / "prompts", program=program)
    path = cache.render_sync("Welcome to Switchboard.")
    assert wav_facts(path)[:3] == (1, 2, 8000)
    assert asyncio.run(cache.render("Welcome to Switchboard.")) == path
    assert log.read_text().splitlines() == ["run"]


def test_concurrent_renders_of_one_text_run_espeak_once(tmp_path: Path) -> None:
    program, log = counting_espeak(tmp_path)
    cache = PromptCache(tmp_path / "prompts", program=program)

    async def scenario() -> list[Path]:
        return await asyncio.gather(*(cache.render(MENU) for _ in range(5)))

    paths = asyncio.run(scenario())
    assert len(set(paths)) == 1
    assert log.read_text().splitlines() == ["run"]
    assert list((tmp_path / "prompts").iterdir()) == [paths[0]]  # no temporary left over


def test_concurrent_renders_of_different_texts_each_get_their_file(tmp_path: Path) -> None:
    cache = PromptCache(tmp_path)

    async def scenario() -> tuple[Path, Path]:
        return await asyncio.gather(cache.render("Sales."), cache.render("Support."))

    sales, support = asyncio.run(scenario())
    assert sales != support
    assert sorted(tmp_path.iterdir()) == sorted([sales, support])
    assert wav_facts(sales)[4] > 500 and wav_facts(support)[4] > 500


def test_engine_voice_and_text_are_part_of_the_cache_key(tmp_path: Path) -> None:
    us = PromptCache(tmp_path, voice="en-us")
    british = PromptCache(tmp_path, voice="en-gb")
    flite = PromptCache(tmp_path, engine="flite")
    assert us.path_for("Hello.") != british.path_for("Hello.")
    assert us.path_for("Hello.") != us.path_for("Hello!")
    assert us.path_for("Hello.") == PromptCache(tmp_path).path_for("Hello.")
    assert us.path_for("Hello.") != PromptCache(tmp_path, word_gap_ms=0).path_for("Hello.")
    assert flite.path_for("Hello.") not in (us.path_for("Hello."), british.path_for("Hello."))
    files = {british.render_sync("Hello."), us.render_sync("Hello."), flite.render_sync("Hello.")}
    assert len(files) == 3


@pytest.mark.parametrize("engine", ["espeak-ng", "flite"])
def test_a_text_starting_with_a_dash_is_spoken_not_taken_as_an_option(
    tmp_path: Path, engine: Engine
) -> None:
    cache = PromptCache(tmp_path / "prompts", engine=engine)
    injected = tmp_path / "injected.wav"
    option = "-w" if engine == "espeak-ng" else "-o"
    path = cache.render_sync(f"{option} {injected} minus one")
    assert wav_facts(path)[3] > 1.0
    assert not injected.exists()
    assert sorted((tmp_path / "prompts").iterdir()) == [path]


@pytest.mark.parametrize("engine", ["espeak-ng", "flite"])
def test_a_missing_engine_is_a_speech_error_saying_how_to_install_it(
    tmp_path: Path, engine: Engine
) -> None:
    cache = PromptCache(tmp_path, engine=engine, program=str(tmp_path / "bin" / engine))
    with pytest.raises(SpeechError, match=f"apt-get install {engine}"):
        asyncio.run(cache.render("Hello."))
    with pytest.raises(SpeechError, match=f"apt-get install {engine}"):
        cache.render_sync("Hello.")
    assert list(tmp_path.iterdir()) == []  # no temporary left behind


def test_a_missing_espeak_on_path_is_reported_as_not_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    cache = PromptCache(tmp_path / "prompts")
    with pytest.raises(SpeechError, match=r"^espeak-ng is not installed; run `make run`"):
        asyncio.run(cache.render("Hello."))


@pytest.mark.parametrize("voice", ["../../etc/voice", "http://example.org/kal.flitevox", ""])
def test_a_voice_must_be_a_plain_name(tmp_path: Path, voice: str) -> None:
    with pytest.raises(SpeechError, match="not a voice name"):
        PromptCache(tmp_path, voice, engine="flite")


def test_an_unknown_voice_is_a_speech_error_with_espeaks_message(tmp_path: Path) -> None:
    cache = PromptCache(tmp_path, voice="nosuchvoice")
    with pytest.raises(SpeechError, match="voice does not exist"):
        asyncio.run(cache.render("Hello."))
    with pytest.raises(SpeechError, match="voice does not exist"):
        cache.render_sync("Hello.")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [("", "needs some text"), ("  \n", "needs some text"), ("x" * (MAX_TEXT + 1), "at most")],
)
def test_unusable_texts_are_refused_before_espeak_runs(
    tmp_path: Path, text: str, problem: str
) -> None:
    cache = PromptCache(tmp_path, program=str(tmp_path / "never-run"))
    with pytest.raises(SpeechError, match=problem):
        asyncio.run(cache.render(text))
    with pytest.raises(SpeechError, match=problem):
        cache.render_sync(text)
