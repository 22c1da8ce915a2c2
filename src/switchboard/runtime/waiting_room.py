"""The waiting experience at run time: what the core decides (`core/waiting.py`),
said to the caller over its queue's music, and the keys it presses while waiting.

* `AnnounceWait` → a sentence ("You are number 3 in line. Your estimated wait is
  about 4 minutes. To be called back…") played once over the music, which resumes
  after it. Sentences are rendered by the TTS outside the server's worker and
  cached, so the worker never waits for espeak-ng and a repeated sentence (the same
  place, the same wait) costs nothing; an announcement whose call has left the
  line by the time it is rendered is dropped.
* `TellCaller` → a sentence, the same way.
* `ReleaseRemote` → the caller's leg leaves the call at once (a queued callback:
  the call may be offered, and the customer dialled, while the goodbye plays), then
  hears the goodbye and is hung up.
* a key pressed while waiting → `LeaveForVoicemail` or `RequestCallback`.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from pathlib import Path

from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.call import CallState
from switchboard.core.center import ContactCenter
from switchboard.runtime.smart_routing import Later
from switchboard.runtime.telephony import Telephony

log = logging.getLogger(__name__)

Speak = Callable[[str], Awaitable[Path | None]]

_KEY_NAMES = {"*": "star", "#": "pound"}
EXACT_PLACES = 21
"""Places said exactly; further back, "over 20 callers ahead". Keeps the sentences a
queue can say few (places times whole minutes), each rendered once and then cached."""
RENDERS = 2
"""TTS processes at once: a burst of first-time sentences waits its turn rather than
starting one espeak-ng per waiting caller."""


def announcement(
    position: int,
    estimated_wait: float | None,
    voicemail_key: str | None = None,
    callback_key: str | None = None,
) -> str:
    """What a waiting caller is told (whole minutes, rounded up: a wait is never
    announced shorter than it is likely to be)."""
    if position == 1:
        parts = ["You are next in line."]
    elif position <= EXACT_PLACES:
        parts = [f"You are number {position} in line."]
    else:
        parts = [f"There are over {EXACT_PLACES - 1} callers ahead of you."]
    if estimated_wait is not None:
        minutes = math.ceil(estimated_wait / 60)
        if minutes <= 1:
            parts.append("Your wait should be less than a minute.")
        elif minutes > 60:
            parts.append("Your estimated wait is more than an hour.")
        else:
            parts.append(f"Your estimated wait is about {minutes} minutes.")
    if voicemail_key is not None:
        parts.append(f"To leave a message, press {_KEY_NAMES.get(voicemail_key, voicemail_key)}.")
    if callback_key is not None:
        key = _KEY_NAMES.get(callback_key, callback_key)
        parts.append(f"To be called back without losing your place, press {key}.")
    return " ".join(parts)


class WaitingRoom:
    def __init__(
        self,
        telephony: Telephony,
        speak: Speak,
        *,
        post: Callable[[Later], None],
    ) -> None:
        self.telephony = telephony
        self.speak = speak
        """Text → its rendered prompt (None when the TTS failed)."""
        self.post = post
        self.center: ContactCenter | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._renders = asyncio.Semaphore(RENDERS)

    def _cc(self) -> ContactCenter:
        assert self.center is not None
        return self.center

    def execute(self, effect: fx.Effect) -> bool:
        """Carry out `effect` if it is the waiting room's; False if it is not."""
        if isinstance(effect, fx.AnnounceWait):
            text = announcement(
                effect.position,
                effect.estimated_wait,
                effect.voicemail_key,
                effect.callback_key,
            )
            self._say_when_ready(effect.call_id, text, waiting_only=True)
        elif isinstance(effect, fx.TellCaller):
            self._say_when_ready(effect.call_id, effect.message, waiting_only=False)
        elif isinstance(effect, fx.ReleaseRemote):
            endpoint = self.telephony.release_remote(effect.call_id)
            if endpoint is not None:
                self._render(effect.message, lambda wav: self.telephony.goodbye(endpoint, wav))
        else:
            return False
        return True

    def key(self, call_id: str, key: str) -> list[cmd.Command]:
        """A key the caller pressed while waiting in a queue."""
        call = self._cc().calls.get(call_id)
        if call is None or call.state is not CallState.QUEUED or call.queue_id is None:
            return []
        queue = self._cc().queues[call.queue_id].config
        if key == queue.voicemail_key:
            return [cmd.LeaveForVoicemail(call_id)]
        if key == queue.callback_key:
            return [cmd.RequestCallback(call_id)]
        return []

    def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    # -- rendering off the worker ----------------------------------------------------------

    def _say_when_ready(self, call_id: str, text: str, *, waiting_only: bool) -> None:
        def say(wav: Path | None) -> None:
            call = self._cc().calls.get(call_id)
            if wav is None or call is None or call.ended:
                return
            if waiting_only and call.state is not CallState.QUEUED:
                return  # taken meanwhile: the agent, not the announcement, is heard
            self.telephony.say(call_id, wav)

        self._render(text, say)

    def _render(self, text: str, then: Callable[[Path | None], None]) -> None:
        async def render() -> None:
            try:
                async with self._renders:
                    wav = await self.speak(text)
            except Exception:  # then() must run: a goodbye hangs up even without audio
                log.exception("cannot render %r", text[:40])
                wav = None

            async def done() -> list[cmd.Command]:
                then(wav)
                return []

            self.post(done)

        task = asyncio.get_running_loop().create_task(render())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
