"""Who is asking: the session of a request (cookie or bearer token), as a FastAPI
dependency, `Me`, that every route of an agent takes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from switchboard.api.auth import COOKIE, Session, Sessions
from switchboard.api.errors import ApiError

if TYPE_CHECKING:
    from switchboard.runtime.server import CallServer


def _token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(COOKIE)


def current(request: Request) -> Session:
    """The session of the request (cookie or bearer token); 401 without one."""
    sessions: Sessions = request.app.state.sessions
    server: CallServer = request.app.state.server
    session = sessions.lookup(_token(request), server.clock.now())
    if session is None:
        raise ApiError(401, "not_authenticated", "log in first")
    return session


Me = Annotated[Session, Depends(current)]
