"""IVR prompts spoken from text by espeak-ng (or flite), rendered once and kept as WAV files.

`PromptCache.render(text)` returns the path of a WAV file (16-bit PCM, 8 kHz, mono: the
form `media.wav` plays without converting) of `text` spoken by the engine:

1. The file name is the SHA-256 of (engine, output format, voice, word gap, text), so
   the same prompt is found again by every process and after a restart, and changing
   any of them renders anew. Nothing is deleted here: the directory is a cache, safe to
   empty.
2. On a miss the engine runs as a subprocess, never through a shell, with the text as
   one argument where no option can be read from it (`espeak-ng ... -w RAW -- TEXT`,
   `flite ... -o RAW -t TEXT`), into a temporary file in the cache directory.
   `media.wav.read_wav` parses it and resamples it to 8 kHz with `media.wav.resample`
   (espeak-ng writes 22.05 kHz), and `media.wav.write_wav` writes the prompt.
3. The prompt is written under a temporary name in the same directory, synced, and
   renamed into place, so a reader (another call, another process) never sees half a
   prompt, nor after a power cut an empty file that would pass for a cached one.
4. Concurrent `render`s of the same text share one subprocess: the first starts a task
   and records it in `_pending`; the others await the same task (shielded, so one
   caller giving up does not cancel the others' prompt).

`render_sync` does the same without an event loop, for the CLI (checking a
configuration, rendering the demo's prompts ahead of time).

Engines. espeak-ng is the default (DESIGN §3): in Debian everywhere, fast (~30 ms a
prompt), robotic. Its speed stays at the default 175 words per minute with a 40 ms gap
between words: measured by a round trip through `stt.WhisperTranscriber`, the gap made
digits recognisable after the 8 kHz band limit ("five, five, one" instead of "time time
one"), and 130-150 wpm was not understood better. Even so its /s/ is mostly above
4 kHz and nearly vanishes on a telephone line: Whisper heard "I want to talk to sales"
as "...Dale" or "...fail" with each of the ~60 espeak-ng voice variants tried. flite's
`kal` voice (8 kHz natively, ~15 ms a prompt) came through intact, so `engine="flite"`
is offered too; the speech tests use it as the caller's voice.

Every failure (engine missing or failing, no audio, a text empty or longer than
`MAX_TEXT`, a voice name that is not a plain name) raises `SpeechError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from switchboard.media.wav import WavError, read_wav, write_wav
from switchboard.speech.errors import SpeechError

__all__ = ["MAX_TEXT", "Engine", "PromptCache"]

Engine = Literal["espeak-ng", "flite"]

MAX_TEXT = 2000  # characters: a prompt, not an audiobook
TIMEOUT = 30.0  # seconds for one engine run
DEFAULT_VOICES: dict[str, str] = {"espeak-ng": "en-us", "flite": "kal"}
_FORMAT = "pcm16-8000-mono-v1"  # part of the cache key: change it when the output changes
_VOICE = re.compile(r"[A-Za-z0-9_+-]{1,64}")  # a name: no path, no URL (flite loads those)


class PromptCache:
    """Text to a cached 8 kHz WAV prompt (see the module docstring).

    `voice` is the engine's voice name (espeak-ng: "en-us", "en-gb", "en-us+f3"...;
    flite: "kal", "slt", "rms", "awb"), by default "en-us" or "kal". `program` is the
    engine's executable, by default its name looked up on PATH. `word_gap_ms` is the
    pause espeak-ng makes between words (flite has no such setting).
    """

    def __init__(
        self,
        directory: Path,
        voice: str | None = None,
        *,
        engine: Engine = "espeak-ng",
        program: str | None = None,
        word_gap_ms: int = 40,
    ) -> None:
        if engine not in DEFAULT_VOICES:
            raise SpeechError(f"unknown speech engine {engine!r}: espeak-ng or flite")
        voice = DEFAULT_VOICES[engine] if voice is None else voice
        if not _VOICE.fullmatch(voice):
            raise SpeechError(f"{voice!r} is not a voice name")
        self.directory = Path(directory)
        self.engine = engine
        self.voice = voice
        self.program = engine if program is None else program
        self.word_gap_ms = word_gap_ms if engine == "espeak-ng" else 0
        self._pending: dict[str, asyncio.Task[Path]] = {}

    def path_for(self, text: str) -> Path:
        """Where the prompt for `text` is (or will be) cached."""
        _check_text(text)
        key = "\0".join((self.engine, _FORMAT, self.voice, str(self.word_gap_ms), text))
        return self.directory / f"{hashlib.sha256(key.encode()).hexdigest()}.wav"

    async def render(self, text: str) -> Path:
        """The cached prompt for `text`, rendered first if it is not there yet."""
        path = self.path_for(text)
        if path.exists():
            return path
        task = self._pending.get(path.name)
        if task is None:
            task = asyncio.ensure_future(self._render(text, path))
            self._pending[path.name] = task
            task.add_done_callback(self._finished)
        return await asyncio.shield(task)

    def render_sync(self, text: str) -> Path:
        """`render` without an event loop (blocks while the engine runs)."""
        path = self.path_for(text)
        if path.exists():
            return path
        with self._raw_file() as raw:
            try:
                done = subprocess.run(  # noqa: S603 (our program; the text is one argument)
                    self._command(text, raw), capture_output=True, timeout=TIMEOUT, check=False
                )
            except FileNotFoundError as exc:
                raise self._missing() from exc
            except subprocess.TimeoutExpired as exc:
                raise SpeechError(f"{self.program} took over {TIMEOUT:.0f} s") from exc
            except OSError as exc:
                raise SpeechError(f"{self.program} could not be run: {exc}") from exc
            self._store(done.returncode, done.stderr, raw, path)
        return path

    # --- shared steps ----------------------------------------------------------------

    def _command(self, text: str, raw: Path) -> list[str]:
        if self.engine == "flite":  # -t takes the next argument as text, whatever it is
            return [self.program, "-voice", self.voice, "-o", str(raw), "-t", text]
        gap = str(self.word_gap_ms // 10)  # espeak-ng counts in 10 ms units
        return [self.program, "-v", self.voice, "-g", gap, "-w", str(raw), "--", text]

    @contextlib.contextmanager
    def _raw_file(self) -> Iterator[Path]:
        """A temporary file in the cache directory for the engine's output."""
        self.directory.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=self.directory, prefix=".raw-", suffix=".wav")
        os.close(descriptor)
        try:
            yield Path(name)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)

    @property
    def _name(self) -> str:
        return f"{self.program} (voice {self.voice})"

    def _missing(self) -> SpeechError:
        how = f"run `make run` or `apt-get install {self.engine}`"
        if self.program == self.engine:
            return SpeechError(f"{self.engine} is not installed; {how}")
        return SpeechError(f"{self.engine} was not found at {self.program!r}; {how}")

    def _store(self, returncode: int, stderr: bytes, raw: Path, path: Path) -> None:
        """Check the engine's run; convert its WAV to 8 kHz and put it at `path` atomically."""
        said = stderr.decode(errors="replace").strip()
        if returncode != 0:
            raise SpeechError(f"{self._name} failed ({returncode}): {said or 'no message'}")
        if raw.stat().st_size == 0:
            raise SpeechError(f"{self._name} wrote no audio {said}".rstrip())
        try:
            sound = read_wav(raw)  # resampled to 8 kHz by media.wav.resample
        except WavError as exc:
            raise SpeechError(f"{self._name} wrote unusable audio: {exc.problem}") from exc
        if len(sound.samples) == 0:
            raise SpeechError(f"{self._name} wrote no audio {said}".rstrip())
        write_wav(raw, sound.samples)
        with raw.open("rb") as file:
            os.fsync(file.fileno())
        raw.replace(path)

    # --- asyncio -----------------------------------------------------------------------

    async def _render(self, text: str, path: Path) -> Path:
        with self._raw_file() as raw:
            try:
                process = await asyncio.create_subprocess_exec(
                    *self._command(text, raw),
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.PIPE,
                )
            except FileNotFoundError as exc:
                raise self._missing() from exc
            except OSError as exc:
                raise SpeechError(f"{self.program} could not be run: {exc}") from exc
            try:
                _, stderr = await asyncio.wait_for(process.communicate(), TIMEOUT)
            except TimeoutError as exc:
                raise SpeechError(f"{self.program} took over {TIMEOUT:.0f} s") from exc
            finally:
                if process.returncode is None:  # timed out or cancelled: do not leave it
                    process.kill()
                    await process.wait()
            returncode = await process.wait()
            # Resampling and writing take a few milliseconds: not on the event loop.
            await asyncio.to_thread(self._store, returncode, stderr, raw, path)
        return path

    def _finished(self, task: asyncio.Task[Path]) -> None:
        for name, pending in list(self._pending.items()):
            if pending is task:
                del self._pending[name]
        if not task.cancelled():
            task.exception()  # retrieved here: every waiter may have given up (shield)


def _check_text(text: str) -> None:
    if not text.strip():
        raise SpeechError("a prompt needs some text to speak")
    if "\0" in text:
        raise SpeechError("a prompt's text cannot contain a NUL character")
    if len(text) > MAX_TEXT:
        raise SpeechError(f"a prompt's text is {len(text)} characters; at most {MAX_TEXT}")
