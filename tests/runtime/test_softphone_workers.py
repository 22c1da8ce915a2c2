"""What the server makes of a softphone worker's replies (`_Worker._received`), the
pure part of `softphone_workers.py`; the processes themselves are driven in
`tests/e2e/test_softphone.py`."""

from __future__ import annotations

import asyncio

import pytest

from switchboard.runtime.softphone_workers import (
    RemoteSession,
    SoftphoneUnavailable,
    SoftphoneWorkers,
    _Worker,
)

ANSWER = {"id": 1, "agent": "alice", "session": "s1", "port": 40000, "sdp": "v=0"}


def _worker(forgotten: list[str]) -> _Worker:
    return _Worker(["127.0.0.1"], lambda s: forgotten.append(s.id))


def test_an_answer_closed_at_once_is_ended_not_lost() -> None:
    """The session's "closed" may be the very next line: it still finds the session."""

    async def scenario() -> tuple[RemoteSession, list[str], list[str]]:
        forgotten: list[str] = []
        worker = _worker(forgotten)
        reply: asyncio.Future[RemoteSession] = asyncio.get_running_loop().create_future()
        worker.pending[1] = (reply, "alice")
        ended: list[str] = []
        worker._received(ANSWER)
        session = reply.result()
        session.on_closed = lambda s: ended.append(s.id)
        worker._received({"closed": "s1", "agent": "alice"})
        return session, forgotten, ended

    session, forgotten, ended = asyncio.run(scenario())
    assert session.answer_sdp == "v=0" and session.port == 40000 and session.closed
    assert forgotten == ["s1"] and ended == ["s1"]


def test_a_worker_failure_is_told_as_such() -> None:
    async def scenario() -> BaseException | None:
        worker = _worker([])
        reply: asyncio.Future[RemoteSession] = asyncio.get_running_loop().create_future()
        worker.pending[2] = (reply, "bruno")
        worker._received({"id": 2, "error": "[Errno 98] Address already in use"})
        return reply.exception()

    error = asyncio.run(scenario())
    assert isinstance(error, SoftphoneUnavailable)
    assert str(error) == "the softphone worker failed: [Errno 98] Address already in use"


def test_an_unreadable_offer_is_a_value_error() -> None:
    async def scenario() -> BaseException | None:
        worker = _worker([])
        reply: asyncio.Future[RemoteSession] = asyncio.get_running_loop().create_future()
        worker.pending[3] = (reply, "bruno")
        worker._received({"id": 3, "refused": "no audio in the offer"})
        return reply.exception()

    error = asyncio.run(scenario())
    assert isinstance(error, ValueError) and str(error) == "no audio in the offer"


def test_an_answer_nobody_waits_for_any_more_is_kept_until_closed() -> None:
    """An offer that timed out: its late session is registered (so its "closed" is
    recognised) and the worker is asked to close it."""

    async def scenario() -> list[str]:
        worker = _worker([])
        worker._received(ANSWER)
        return list(worker.sessions)

    assert asyncio.run(scenario()) == ["s1"]


def test_the_sessions_of_a_worker_that_goes_end_and_waiting_offers_fail() -> None:
    async def scenario() -> tuple[BaseException | None, list[str]]:
        forgotten: list[str] = []
        worker = _worker(forgotten)
        worker._received(ANSWER)  # a session, then an offer on its way
        reply: asyncio.Future[RemoteSession] = asyncio.get_running_loop().create_future()
        worker.pending[4] = (reply, "bruno")
        worker._gone()
        return reply.exception(), forgotten

    error, forgotten = asyncio.run(scenario())
    assert isinstance(error, SoftphoneUnavailable)
    assert forgotten == ["s1"]


@pytest.mark.parametrize("count", [0, -1])
def test_at_least_one_worker(count: int) -> None:
    with pytest.raises(ValueError, match="at least one"):
        SoftphoneWorkers(count)
