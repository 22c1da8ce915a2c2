"""The one error the speech adapters raise, so a caller handles TTS and STT alike."""

from __future__ import annotations


class SpeechError(Exception):
    """Speech could not be rendered or recognised: the engine is missing or failed,
    or the input is unusable. The message says which and what to do about it."""
