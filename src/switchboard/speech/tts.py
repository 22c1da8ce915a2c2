"""IVR prompts spoken from text by espeak-ng, rendered once and kept as 8 kHz WAV files.

`PromptCache.render(text)` returns the path of a WAV file (16-bit PCM, 8 kHz, mono: the
form `media.wav` plays without converting) of `text` spoken by espeak-ng:

1. The file name is the SHA-256 of (engine, output format, voice, speed, word gap,
   text), so the same prompt is found again by every process and after a restart, and
   changing any of them renders anew. Old files are never deleted here: the directory
   is a cache, safe to empty.
2. On a miss, `espeak-ng -v VOICE --stdout -- TEXT` runs as a subprocess, with the text
   as one argument after `--` (no shell, and a text starting with "-" stays text).
   espeak-ng writes 22.05 kHz WAV; `media.wav.read_wav` parses it and resamples it to
   8 kHz by `media.wav.resample` (the telephone band), and `write_wav` writes it.
3. The file is written under a temporary name in the same directory and renamed into
   place, so a reader (another call, another process) never sees half a prompt.
4. Concurrent `render`s of the same text share one subprocess: the first starts a task
   and records it in `_pending`; the others await the same task (shielded, so one
   caller giving up does not cancel the others' prompt).

`render_sync` does the same without an event loop, for the CLI (checking a
configuration, rendering the demo's prompts ahead of time).

The speed stays at espeak-ng's default (175 words per minute), with a 40 ms gap between
words: measured by a round trip through `stt.WhisperTranscriber`, the gap is what made
short answers and digits clearly recognisable after the 8 kHz band limit, and slower
speech (130-150 wpm) was not understood better. Every failure (espeak-ng missing,
failing, silent, a text empty or longer than `MAX_TEXT`) raises `SpeechError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import subprocess
import tempfile
from pathlib import Path

from switchboard.media.wav import WavError, read_wav, write_wav
from switchboard.speech.errors import SpeechError

__all__ = ["MAX_TEXT", "PromptCache"]

MAX_TEXT = 2000  # characters: a prompt, not an audiobook (espeak-ng takes ~1 s per 1000)
TIMEOUT = 30.0  # seconds for one espeak-ng run
_FORMAT = "pcm16-8000-mono-v1"  # part of the cache key: change it when the output changes
_INSTALL = "run `make run` or `apt-get install espeak-ng`"


class PromptCache:
    """Text to a cached 8 kHz WAV prompt (see the module docstring)."""

    def __init__(
        self,
        directory: Path,
        voice: str = "en-us",
        *,
        espeak: str = "espeak-ng",
        words_per_minute: int | None = None,
        word_gap_ms: int = 40,
    ) -> None:
        self.directory = Path(directory)
        self.voice = voice
        self.espeak = espeak
        self.words_per_minute = words_per_minute
        self.word_gap_ms = word_gap_ms
        self._pending: dict[str, asyncio.Task[Path]] = {}

    def path_for(self, text: str) -> Path:
        """Where the prompt for `text` is (or will be) cached."""
        _check_text(text)
        key = "\0".join(
            ("espeak-ng", _FORMAT, self.voice, str(self.words_per_minute), str(self.word_gap_ms))
        )
        digest = hashlib.sha256(f"{key}\0{text}".encode()).hexdigest()
        return self.directory / f"{digest}.wav"

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
        """`render` without an event loop (blocks while espeak-ng runs)."""
        path = self.path_for(text)
        if path.exists():
            return path
        command = self._command(text)
        try:
            done = subprocess.run(  # noqa: S603 (a fixed program, the text is one argument)
                command, capture_output=True, timeout=TIMEOUT, check=False
            )
        except FileNotFoundError as exc:
            raise self._missing() from exc
        except subprocess.TimeoutExpired as exc:
            raise SpeechError(f"{self.espeak} took over {TIMEOUT:.0f} s") from exc
        except OSError as exc:
            raise SpeechError(f"{self.espeak} could not be run: {exc}") from exc
        self._check(done.returncode, done.stdout, done.stderr)
        self._store(done.stdout, path)
        return path

    # --- shared steps ----------------------------------------------------------------

    def _command(self, text: str) -> list[str]:
        command = [self.espeak, "-v", self.voice, "-g", str(self.word_gap_ms // 10)]
        if self.words_per_minute is not None:
            command += ["-s", str(self.words_per_minute)]
        return [*command, "--stdout", "--", text]

    def _missing(self) -> SpeechError:
        if self.espeak == "espeak-ng":
            return SpeechError(f"espeak-ng is not installed; {_INSTALL}")
        return SpeechError(f"espeak-ng was not found at {self.espeak!r}; {_INSTALL}")

    def _check(self, returncode: int, stdout: bytes, stderr: bytes) -> None:
        if returncode != 0:
            said = stderr.decode(errors="replace").strip() or "no message"
            raise SpeechError(f"{self.espeak} -v {self.voice} failed ({returncode}): {said}")
        if not stdout:
            raise SpeechError(f"{self.espeak} -v {self.voice} wrote no audio")

    def _store(self, wav: bytes, path: Path) -> None:
        """Convert espeak-ng's WAV to 8 kHz and put it at `path` atomically."""
        self.directory.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=self.directory, prefix=".tts-", suffix=".wav")
        temporary = Path(name)
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(wav)
            try:
                sound = read_wav(temporary)  # resampled to 8 kHz by media.wav.resample
            except WavError as exc:
                raise SpeechError(f"{self.espeak} wrote unusable audio: {exc.problem}") from exc
            if len(sound.samples) == 0:
                raise SpeechError(f"{self.espeak} -v {self.voice} wrote no audio")
            write_wav(temporary, sound.samples)
            temporary.replace(path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()

    # --- asyncio -----------------------------------------------------------------------

    async def _render(self, text: str, path: Path) -> Path:
        try:
            process = await asyncio.create_subprocess_exec(
                *self._command(text),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except FileNotFoundError as exc:
            raise self._missing() from exc
        except OSError as exc:
            raise SpeechError(f"{self.espeak} could not be run: {exc}") from exc
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(), TIMEOUT)
        except TimeoutError as exc:
            raise SpeechError(f"{self.espeak} took over {TIMEOUT:.0f} s") from exc
        finally:
            if process.returncode is None:  # timed out or cancelled: do not leave it behind
                process.kill()
                await process.wait()
        self._check(await process.wait(), stdout, stderr)
        await asyncio.to_thread(self._store, stdout, path)  # resampling takes a few ms
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
