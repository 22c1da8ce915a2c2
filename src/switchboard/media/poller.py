"""Watching many RTP sockets with one asyncio reader: an epoll set inside the loop.

A relayed call is 100 datagrams a second on two sockets. Registered one by one with
`loop.add_reader`, every datagram costs a trip through the event loop (an `epoll_wait`,
a callback handle, the loop's bookkeeping): in pure Python that is most of the CPU
spent per relayed packet, more than the two system calls that receive and send it.

So all RTP sockets go into one epoll set of our own, and the poller reads them in
*batches*.

Theory of operation
-------------------
Two states:

* IDLE: the loop watches the epoll set's descriptor (it is itself pollable). When
  any socket becomes readable, `_woken` runs a batch and switches to POLLING.
* POLLING: no reader is registered; a loop timer runs a batch every `interval`
  (1 ms by default) and re-arms itself. A batch asks the set which sockets have data
  and reads one datagram from each, again while some remain (at most `MAX_ROUNDS`).
  After `idle_after` batches in a row found nothing, the poller goes back to IDLE.

Under load, the loop's cost is paid once per millisecond for all the packets that
arrived in it, instead of once per packet; the price is at most `interval` of added
delay on a relayed packet, against the 20 ms each packet carries. An idle engine
costs nothing. `interval=0` keeps the poller IDLE, reading on every wake-up.

Where epoll does not exist (not Linux), each socket is registered with the loop.
"""

from __future__ import annotations

import asyncio
import select
from collections.abc import Callable

MAX_ROUNDS = 4


class SocketPoller:
    def __init__(
        self, loop: asyncio.AbstractEventLoop, *, interval: float = 0.001, idle_after: int = 50
    ) -> None:
        self._loop = loop
        self.interval = interval
        self.idle_after = idle_after
        self.batches = 0
        self._callbacks: dict[int, Callable[[], None]] = {}
        self._epoll: select.epoll | None = select.epoll() if hasattr(select, "epoll") else None
        self._timer: asyncio.TimerHandle | None = None
        self._empty = 0
        self.on_idle: Callable[[], None] | None = None
        """Called when the poller goes back to IDLE (traffic stopped)."""
        if self._epoll is not None:
            loop.add_reader(self._epoll.fileno(), self._woken)

    @property
    def polling(self) -> bool:
        return self._timer is not None

    def add(self, fd: int, callback: Callable[[], None]) -> None:
        """Call `callback` whenever `fd` is readable."""
        self._callbacks[fd] = callback
        if self._epoll is not None:
            self._epoll.register(fd, select.EPOLLIN)
        else:
            self._loop.add_reader(fd, callback)

    def remove(self, fd: int) -> None:
        if self._callbacks.pop(fd, None) is None:
            return
        if self._epoll is not None:
            self._epoll.unregister(fd)
        else:
            self._loop.remove_reader(fd)

    def _batch(self) -> bool:
        """Read what is there; whether anything was."""
        assert self._epoll is not None
        poll = self._epoll.poll
        callbacks = self._callbacks
        self.batches += 1
        found = False
        for _ in range(MAX_ROUNDS):
            events = poll(0)
            if not events:
                break
            found = True
            for fd, _ in events:
                callback = callbacks.get(fd)
                if callback is not None:
                    callback()
        return found

    def _woken(self) -> None:
        self._batch()
        if self.interval > 0 and self._epoll is not None:
            self._loop.remove_reader(self._epoll.fileno())
            self._empty = 0
            self._timer = self._loop.call_at(self._loop.time() + self.interval, self._poll)

    def _poll(self) -> None:
        assert self._epoll is not None
        if self._batch():
            self._empty = 0
        else:
            self._empty += 1
            if self._empty >= self.idle_after:
                self._timer = None
                self._loop.add_reader(self._epoll.fileno(), self._woken)
                if self.on_idle is not None:
                    self.on_idle()
                return
        self._timer = self._loop.call_at(self._timer_due(), self._poll)

    def _timer_due(self) -> float:
        assert self._timer is not None
        return max(self._timer.when() + self.interval, self._loop.time())

    def close(self) -> None:
        for fd in list(self._callbacks):
            self.remove(fd)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        elif self._epoll is not None:
            self._loop.remove_reader(self._epoll.fileno())
        if self._epoll is not None:
            self._epoll.close()
            self._epoll = None
