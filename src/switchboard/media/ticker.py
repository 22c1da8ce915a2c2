"""The media clock: one task that calls the engine every 20 ms, without drift.

Theory of operation
-------------------
Tick k is due at `t0 + k * period` on the loop's clock, an absolute schedule: a
tick that runs late does not push the next one back, so the timing error never
accumulates (sleeping "20 ms after the last tick" would lose a little every time).

On waking, the ticker compares the loop clock with the due time:

* on time (less than `late_after` behind): run the tick;
* late: run it all the same and count it in `late`; the next tick is due at its
  usual time, so a short stall is caught up by running the missed ticks back to
  back (yielding to the loop in between, so packets are still read);
* more than `max_catch_up` ticks behind (the process was stopped, or starved for a
  while): skip to the present, counting the ticks in `skipped` and reporting them
  to `on_skip(count)` so that recordings keep their duration and players their
  position, instead of sending a burst nobody can play.

`on_tick(due)` receives the due time, not the wake-up time, so what it produces is
stamped on the exact 20 ms grid. An exception in it is logged and the clock goes on:
one broken conference must not silence every call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


class Ticker:
    def __init__(
        self,
        on_tick: Callable[[float], None],
        on_skip: Callable[[int], None],
        *,
        period: float = 0.020,
        late_after: float = 0.010,
        max_catch_up: int = 5,
    ) -> None:
        self.on_tick = on_tick
        self.on_skip = on_skip
        self.period = period
        self.late_after = late_after
        self.max_catch_up = max_catch_up
        self.ticks = 0
        self.late = 0
        self.skipped = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if not self.running:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="media-ticker")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time() + self.period
        while True:
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                await asyncio.sleep(0)  # behind: let the loop read packets between ticks
            behind = int((loop.time() - due) / self.period)
            if behind > self.max_catch_up or loop.time() - due > self.late_after:
                self.late += 1
            if behind > self.max_catch_up:
                self.skipped += behind
                due += behind * self.period
                try:
                    self.on_skip(behind)
                except Exception:
                    log.exception("media tick skip failed")
            try:
                self.on_tick(due)
            except Exception:
                log.exception("media tick failed")
            self.ticks += 1
            due += self.period
