"""Smart Routing at run time: carries out what each call's `FlowRun` asks for.

Theory of operation
-------------------
The core hands a call to a flow with a `RunFlow` effect. From then on, this module
owns the caller's ear and keypad until the flow routes the call:

* `Say` → the prompts are rendered by the TTS (cached; the flows' texts are
  rendered when the server starts) and played one after the other through
  `Telephony.say`; the end of the last one is the run's `prompt_done`;
* `Listen` → the caller's voice is recorded until they have said something and then
  been silent for 0.7 s (the media engine's speech watch, `watch_speech`), or for the
  given seconds at most (nothing said: the whole window); then recognised in the
  transcriber's worker thread; the text comes back as `heard`;
* `Fetch` → an HTTP request in a task, bounded by the node's timeout;
* keys pressed (RFC 4733) reach the run as `digit`;
* the run's deadline is armed as a loop timer;
* `Route` becomes the core command (`RouteToQueue`, `RouteToVoicemail`…), after a
  `FlowProgress` that gives the core the steps and variables (the Datas tab).

Every result that arrives later (a timer, a transcription, an HTTP answer) is
posted back to the call server's inbox (`post`), so the run, like the core, is
only ever touched by the server's one worker. Tokens in the run's events make
late results harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from switchboard.config.model import Tenant
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.center import ContactCenter
from switchboard.flows import interpreter as fi
from switchboard.flows import model as fm
from switchboard.media.engine import MediaEngine, MediaError
from switchboard.runtime.telephony import Telephony
from switchboard.speech.errors import SpeechError
from switchboard.speech.stt import Transcriber, menu_hint
from switchboard.speech.tts import PromptCache

log = logging.getLogger(__name__)

Later = Callable[[], Awaitable[list[cmd.Command]]]
"""Work posted back to the call server's worker; returns commands for the core."""


@dataclass(slots=True)
class _Running:
    run: fi.FlowRun
    reported: int = 0
    """Steps of `run.path` already given to the core."""
    saying: tuple[int, deque[Path]] | None = None
    listening: tuple[int, str] | None = None
    """(token, recording id) while the caller's voice is captured."""
    timer: asyncio.TimerHandle | None = None
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)


class SmartRouting:
    def __init__(
        self,
        tenant: Tenant,
        telephony: Telephony,
        media: MediaEngine,
        prompts: PromptCache,
        transcriber: Transcriber,
        *,
        config_dir: Path,
        work_dir: Path,
        clock: Callable[[], float],
        post: Callable[[Later], None],
    ) -> None:
        self.tenant = tenant
        self.flows = {f.id: f for f in tenant.flows}
        self.telephony = telephony
        self.media = media
        self.prompts = prompts
        self.transcriber = transcriber
        self.config_dir = config_dir
        self.work_dir = work_dir
        self.clock = clock
        self.post = post
        self.center: ContactCenter | None = None
        self.runs: dict[str, _Running] = {}
        self.greetings: dict[str, fm.PromptSpec] = {}
        """Call → the greeting its flow's voicemail node gave (else the mailbox's)."""
        self.watching: dict[str, Later] = {}
        """Speech watch (the listening's recording id) → the end of that listening, posted
        when the caller has finished speaking."""
        media.on_speech_end = self.speech_ended

    # -- prompts ---------------------------------------------------------------------------

    async def prerender(self) -> None:
        """Render every text the flows say, so that no caller waits for the TTS (and
        make the directory where spoken answers are recorded)."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        texts = {
            prompt.text
            for flow in self.tenant.flows
            for node in flow.nodes.values()
            for prompt in node.prompts()
            if prompt.text is not None
        }
        texts |= {box.greeting for box in self.tenant.mailboxes}
        for text in sorted(texts):
            try:
                await self.prompts.render(text)
            except SpeechError as error:
                log.warning("prompt %r not rendered: %s", text[:40], error)

    async def audio(self, prompt: fm.PromptSpec) -> Path | None:
        if prompt.file is not None:
            return self.config_dir / prompt.file
        assert prompt.text is not None
        try:
            return await self.prompts.render(prompt.text)
        except SpeechError as error:
            log.warning("cannot say %r: %s", prompt.text[:40], error)
            return None

    # -- entering a flow -----------------------------------------------------------------

    async def run_flow(self, effect: fx.RunFlow) -> list[cmd.Command]:
        assert self.center is not None
        flow = self.flows.get(effect.flow_id)
        call = self.center.calls.get(effect.call_id)
        if flow is None or call is None or call.ended:
            return [cmd.RouteHangup(effect.call_id, None)] if call is not None else []
        contact = self.center.directory.crm.get(call.crm_contact_id or "")
        facts = fi.CallFacts(
            caller=call.caller,
            callee=call.callee,
            caller_name=call.caller_name,
            contact={}
            if contact is None
            else {
                "id": contact.id,
                "name": contact.name,
                "company": contact.company or "",
                "email": contact.email or "",
            },
            timezone=self.tenant.settings.timezone,
        )
        self._forget(effect.call_id)
        run = fi.FlowRun(flow, facts, flows=self.flows, variables=effect.variables)
        self.runs[effect.call_id] = _Running(run)
        self.telephony.answer_remote(effect.call_id)
        return await self._drive(effect.call_id, run.start(self.clock()))

    # -- events from the call --------------------------------------------------------------

    async def digit(self, call_id: str, key: str) -> list[cmd.Command]:
        running = self.runs.get(call_id)
        if running is None:
            return []
        return await self._drive(call_id, running.run.digit(key, self.clock()))

    async def prompt_ended(self, call_id: str) -> list[cmd.Command]:
        running = self.runs.get(call_id)
        if running is None or running.saying is None:
            return []
        token, rest = running.saying
        if rest:
            self._say_next(call_id, running)
            return []
        running.saying = None
        return await self._drive(call_id, running.run.prompt_done(token, self.clock()))

    def call_ended(self, call_id: str) -> None:
        self._forget(call_id)
        self.greetings.pop(call_id, None)

    def stop(self) -> None:
        for call_id in list(self.runs):
            self._forget(call_id)

    # -- carrying out the run's actions ----------------------------------------------------

    async def _drive(self, call_id: str, actions: list[fi.Action]) -> list[cmd.Command]:
        running = self.runs.get(call_id)
        if running is None:
            return []
        commands: list[cmd.Command] = []
        for action in actions:
            if isinstance(action, fi.Say):
                paths = [await self.audio(p) for p in action.prompts]
                running.saying = (action.token, deque(p for p in paths if p is not None))
                self._say_next(call_id, running)
            elif isinstance(action, fi.StopSaying):
                if running.saying is not None and running.saying[0] == action.token:
                    running.saying = None
                    self.telephony.hush(call_id)
            elif isinstance(action, fi.Listen):
                self._listen(call_id, running, action)
            elif isinstance(action, fi.StopListening):
                self._stop_listening(running, action.token)
            elif isinstance(action, fi.Fetch):
                self._fetch(call_id, running, action)
            else:
                commands.append(self._progress(call_id, running))
                commands.append(self._route(call_id, running.run, action))
                self._forget(call_id)
                return commands
        progress = self._progress(call_id, running)
        if progress.steps or progress.variables:
            commands.insert(0, progress)
        self._arm(call_id, running)
        return commands

    def _progress(self, call_id: str, running: _Running) -> cmd.FlowProgress:
        run = running.run
        new = run.path[running.reported :]
        running.reported = len(run.path)
        steps = tuple(cmd.FlowStep(s.at, s.flow, s.node, s.type, s.label, s.outcome) for s in new)
        return cmd.FlowProgress(call_id, steps, dict(run.variables) if steps else {})

    def _route(self, call_id: str, run: fi.FlowRun, route: fi.Route) -> cmd.Command:
        variables = dict(run.variables)
        if route.kind == "queue" and route.target is not None:
            return cmd.RouteToQueue(
                call_id, route.target, route.priority, route.skill, variables=variables
            )
        if route.kind == "agent" and route.target is not None:
            return cmd.RouteToAgent(call_id, route.target, variables=variables)
        if route.kind == "voicemail" and route.target is not None:
            if route.prompt is not None:
                self.greetings[call_id] = route.prompt
            return cmd.RouteToVoicemail(call_id, route.target)
        if route.kind == "number" and route.target is not None:
            return cmd.RouteToNumber(call_id, route.target, route.caller_id, variables=variables)
        text = route.prompt.text if route.prompt is not None else None
        return cmd.RouteHangup(call_id, text)

    def _say_next(self, call_id: str, running: _Running) -> None:
        assert running.saying is not None
        token, paths = running.saying
        if not paths:
            # Nothing could be said (the TTS failed): go on as if it had been.
            running.saying = None
            run = running.run
            self.post(lambda: self._drive(call_id, run.prompt_done(token, self.clock())))
            return
        path = paths.popleft()
        if self.telephony.say(call_id, path) is None:
            running.saying = None  # the caller is gone; the core hears of it

    def _listen(self, call_id: str, running: _Running, action: fi.Listen) -> None:
        endpoint = self.telephony.remote_endpoint(call_id)
        if endpoint is None:
            return
        recording_id = f"{call_id}-listen-{action.token}"
        path = self.work_dir / f"{recording_id}.wav"
        try:
            self.media.start_recording(recording_id, (endpoint,), path)
        except MediaError as error:
            log.warning("cannot listen to %s: %s", call_id, error)
            return
        running.listening = (action.token, recording_id)
        loop = asyncio.get_running_loop()

        async def heard_all() -> list[cmd.Command]:
            return self._listened(call_id, running, action)

        loop.call_later(action.seconds, self.post, heard_all)
        try:
            self.media.watch_speech(recording_id, endpoint)
        except MediaError as error:  # the whole window, then
            log.warning("cannot tell when %s stops speaking: %s", call_id, error)
        else:
            self.watching[recording_id] = heard_all

    def speech_ended(self, watch_id: str) -> None:
        """The media engine's `on_speech_end`: the caller said something and fell
        silent. The listening ends now rather than at the end of its window, on the
        server's worker like every late result (its token makes a late one harmless)."""
        heard_all = self.watching.pop(watch_id, None)
        if heard_all is not None:
            self.post(heard_all)

    def _listened(self, call_id: str, running: _Running, action: fi.Listen) -> list[cmd.Command]:
        if running.listening is None or running.listening[0] != action.token:
            return []
        path = self._stop_listening(running, action.token)
        if path is None:
            return []
        run = running.run

        async def recognise() -> None:
            try:
                hint = menu_hint(action.words) or None
                text = await self.transcriber.transcribe(path, hint=hint)
            except Exception:
                log.exception("speech recognition failed for %s", call_id)
                text = ""
            finally:
                with contextlib.suppress(OSError):
                    path.unlink()

            async def heard() -> list[cmd.Command]:
                return await self._drive(call_id, run.heard(action.token, text, self.clock()))

            self.post(heard)

        task = asyncio.get_running_loop().create_task(recognise())
        running.tasks.add(task)
        task.add_done_callback(running.tasks.discard)
        return []

    def _stop_listening(self, running: _Running, token: int) -> Path | None:
        if running.listening is None or running.listening[0] != token:
            return None
        _, recording_id = running.listening
        running.listening = None
        self.watching.pop(recording_id, None)
        self.media.unwatch_speech(recording_id)
        try:
            return self.media.stop_recording(recording_id)
        except MediaError:
            return None

    def _fetch(self, call_id: str, running: _Running, action: fi.Fetch) -> None:
        run = running.run

        async def fetch() -> None:
            try:
                async with httpx.AsyncClient(timeout=action.timeout) as client:
                    response = await client.request(action.method, action.url, json=action.body)
                try:
                    body: object = response.json()
                except ValueError:
                    body = None
                status = response.status_code

                async def fetched() -> list[cmd.Command]:
                    return await self._drive(
                        call_id, run.fetched(action.token, status, body, self.clock())
                    )

                self.post(fetched)
            except httpx.HTTPError as error:
                reason = type(error).__name__

                async def failed() -> list[cmd.Command]:
                    return await self._drive(
                        call_id, run.fetch_failed(action.token, reason, self.clock())
                    )

                self.post(failed)

        task = asyncio.get_running_loop().create_task(fetch())
        running.tasks.add(task)
        task.add_done_callback(running.tasks.discard)

    def _arm(self, call_id: str, running: _Running) -> None:
        if running.timer is not None:
            running.timer.cancel()
            running.timer = None
        deadline = running.run.next_deadline()
        if deadline is None:
            return
        run = running.run

        async def expired() -> list[cmd.Command]:
            return await self._drive(call_id, run.on_timer(self.clock()))

        delay = max(0.0, deadline - self.clock())
        running.timer = asyncio.get_running_loop().call_later(delay, self.post, expired)

    def _forget(self, call_id: str) -> None:
        running = self.runs.pop(call_id, None)
        if running is None:
            return
        if running.timer is not None:
            running.timer.cancel()
        if running.listening is not None:
            path = self._stop_listening(running, running.listening[0])
            if path is not None:
                path.unlink(missing_ok=True)
        for task in running.tasks:
            task.cancel()
        if running.saying is not None:
            self.telephony.hush(call_id)
