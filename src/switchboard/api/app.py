"""The REST + WebSocket API of the call server (`/api/v1`), for the Banner and scripts.

Every route but login needs a session (the Banner's cookie, or `Authorization:
Bearer TOKEN` for scripts). Routes never change state themselves: they turn the
request into a core command and `submit` it to the call server's single writer, so
the API has no races of its own; a refusal comes back as a `CommandRejected`,
turned here into JSON `{"error": reason, "message": ...}` with 404, 403, 409 or
422.

A 409 says the command is not possible in the current state. Some of these are
races (`RejectionKind.RACE`, listed in `core/errors.py`): the state moved on between
what the agent saw and its click (the offer expired as it clicked Accept, a
colleague took the call first), which for an agent's screen is ordinary news, not a
failure. A client that sends `Prefer: conflict=outcome` (RFC 7240) gets a race as
`200 {"refused": {"error", "message"}}` with `Preference-Applied: conflict=outcome`;
the Banner does, so that a browser does not log each race as a failed request.
Every other refusal keeps its status, preference or not. A race's answer, in either
form, carries `Vary: Prefer`.

Reads (`/me`, history, missed calls, voicemails) come from the core's views and
the store, filtered to what the agent may see. Who is asking is `api/caller.py`;
the voicemail routes are `api/voicemail_routes.py`.

`/api/v1/events` is the agent's stream: a snapshot of its screen, then the sections
that changed, and notifications (see `runtime/hub.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

from switchboard import __version__
from switchboard.api.auth import COOKIE, Sessions
from switchboard.api.caller import Me
from switchboard.api.errors import ApiError
from switchboard.api.history import record_json
from switchboard.api.voicemail_routes import voicemail_routes
from switchboard.config.model import Device, NotificationMode, NotificationType
from switchboard.config.passwords import hash_password, verify_password
from switchboard.core import commands as cmd
from switchboard.core.errors import RACES, CommandRejected, RejectionKind
from switchboard.core.records import Direction, InteractionRecord
from switchboard.core.transfer import DestinationKind, TransferMode
from switchboard.runtime.hub import CLOSED
from switchboard.runtime.server import CallServer
from switchboard.runtime.softphone_workers import SoftphoneUnavailable

log = logging.getLogger(__name__)

_STATUS = {"not_found": 404, "forbidden": 403, "conflict": 409, "race": 409, "invalid": 422}
CONFLICT_AS_OUTCOME = "conflict=outcome"
"""The `Prefer` token that turns a race (a 409 the agent could not have avoided) into
`200 {"refused": ...}`; other refusals keep their status."""
DESCRIPTION = f"""Contact-center voice calls: agents' status, calls, transfers,
post-interaction, history, and a WebSocket event stream (`/api/v1/events`).

A refused command answers `{{"error": reason, "message": ...}}` with 404, 403, 409 or
422; the message is written for a person. Some 409s are races: the state moved on
between what the agent saw and its request ({", ".join(f"`{r.value}`" for r in RACES)}).
A client that sends `Prefer: {CONFLICT_AS_OUTCOME}` (RFC 7240) gets a race as
`200 {{"refused": {{"error": reason, "message": ...}}}}` with
`Preference-Applied: {CONFLICT_AS_OUTCOME}`, so that an expected outcome is not a
failed request; every other refusal keeps its status. A race's answer, in either
form, carries `Vary: Prefer`."""
"""The OpenAPI description: what the API is, and how it refuses."""
BANNER = Path(__file__).resolve().parent.parent / "web"
"""The Banner's files (static ES modules and CSS, no build step), served at `/`."""


# -- request bodies ---------------------------------------------------------------------


class _Body(BaseModel):
    model_config = {"extra": "forbid"}


class LoginBody(_Body):
    login: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)


class StatusBody(_Body):
    state: Literal["available", "paused", "logged_out"]
    reason: str | None = Field(default=None, max_length=100)


class DtmfBody(_Body):
    digits: str = Field(min_length=1, max_length=32)


class TransferBody(_Body):
    mode: TransferMode
    kind: DestinationKind
    destination: str = Field(min_length=1, max_length=100)


class DialBody(_Body):
    number: str | None = Field(default=None, max_length=32)
    extension: str | None = Field(default=None, max_length=16)
    queue_id: str | None = None
    crm_contact_id: str | None = None
    flow_id: str | None = None
    """Smart outbound: place the call through this Smart Routing flow (a number only)."""


class CallbackBody(_Body):
    contact_id: str
    number: str | None = None
    queue_id: str | None = None


class QualificationBody(_Body):
    values: dict[str, Any]


class TagsBody(_Body):
    tags: list[str] = Field(max_length=50)


class LinkBody(_Body):
    contact_id: str
    case_id: str | None = None


class ExtendBody(_Body):
    seconds: float = Field(gt=0, le=3600)


class PreferenceBody(_Body):
    mode: NotificationMode


class DeviceBody(_Body):
    device: Device


class SoftphoneBody(_Body):
    type: Literal["offer"]
    sdp: str = Field(min_length=1, max_length=20_000)


# -- the app ---------------------------------------------------------------------------


def create_app(server: CallServer, *, static_dir: Path | None = None) -> FastAPI:
    app = FastAPI(
        title="Switchboard",
        version=__version__,
        description=DESCRIPTION,
    )
    sessions = Sessions()
    # Checked against when the login is unknown, so that a wrong login costs the same
    # time as a wrong password and logins cannot be told apart by timing.
    dummy_hash = hash_password(secrets.token_hex(16))
    app.state.sessions = sessions
    app.state.server = server

    def now() -> float:
        return server.clock.now()

    # -- errors: JSON a person understands, never a traceback --------------------------

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(
            {"error": error.error, "message": error.message},
            status_code=error.status,
            headers=error.headers,
        )

    @app.exception_handler(CommandRejected)
    async def _rejected(request: Request, error: CommandRejected) -> JSONResponse:
        body = {"error": error.reason.value, "message": str(error)}
        if error.kind is not RejectionKind.RACE:
            return JSONResponse(body, status_code=_STATUS.get(error.kind.value, 409))
        # Only a race's answer depends on `Prefer`: say so to caches, in both forms.
        if _prefers(request, CONFLICT_AS_OUTCOME):
            return JSONResponse(
                {"refused": body},
                headers={"Preference-Applied": CONFLICT_AS_OUTCOME, "Vary": "Prefer"},
            )
        return JSONResponse(body, status_code=409, headers={"Vary": "Prefer"})

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        for item in error.errors():
            where = ".".join(str(p) for p in item.get("loc", ()) if p != "body")
            problems.append(f"{where}: {item.get('msg', 'invalid')}" if where else item["msg"])
        return JSONResponse(
            {"error": "invalid_request", "message": "; ".join(problems) or "invalid request"},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        messages = {404: "there is nothing at this address", 405: "method not allowed here"}
        return JSONResponse(
            {"error": "http_error", "message": messages.get(error.status_code, str(error.detail))},
            status_code=error.status_code,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"error": "internal", "message": "something went wrong on the server; it is logged"},
            status_code=500,
        )

    async def run(command: cmd.Command) -> dict[str, Any]:
        await server.submit(command)
        agent_id = getattr(command, "agent_id", None)
        return server.snapshot(agent_id) if isinstance(agent_id, str) else {}

    # -- login ---------------------------------------------------------------------------

    @app.post("/api/v1/login", tags=["session"])
    async def login(body: LoginBody, request: Request) -> JSONResponse:
        source = request.client.host if request.client else "unknown"
        throttle = server.login_throttle
        if throttle.banned(source, now()):
            wait = int(throttle.retry_after(source, now())) + 1
            raise ApiError(
                429,
                "too_many_attempts",
                f"too many failed logins from your address; try again in {wait} s",
                {"Retry-After": str(wait)},
            )
        agent = server.center.agents.get(body.login)
        hashed = agent.config.password_hash if agent else None
        # Hash even for an unknown login, so timing does not tell logins apart.
        ok = verify_password(hashed or dummy_hash, body.password) and agent is not None
        if not ok or agent is None:
            throttle.failed(source, now())
            raise ApiError(401, "bad_credentials", "wrong login or password")
        throttle.succeeded(source)
        session = sessions.create(agent.id, now())
        response = JSONResponse(
            {"agent_id": agent.id, "name": agent.config.name, "token": session.token}
        )
        response.set_cookie(
            COOKIE, session.token, httponly=True, samesite="strict", max_age=12 * 3600
        )
        return response

    @app.post("/api/v1/logout", tags=["session"])
    async def logout(me: Me) -> JSONResponse:
        sessions.revoke(me.token)
        response = JSONResponse({"ok": True})
        response.delete_cookie(COOKIE)
        return response

    @app.get("/api/v1/me", tags=["agent"])
    async def me_view(me: Me) -> dict[str, Any]:
        return server.snapshot(me.agent_id)

    # -- status and queues ------------------------------------------------------------------

    @app.post("/api/v1/status", tags=["agent"])
    async def set_status(body: StatusBody, me: Me) -> dict[str, Any]:
        agent = server.center.agents[me.agent_id]
        if body.state == "logged_out":
            return await run(cmd.Logout(me.agent_id))
        if not agent.logged_in:
            await server.submit(cmd.Login(me.agent_id))
            if body.state == "available":
                return server.snapshot(me.agent_id)
        if body.state == "paused":
            return await run(cmd.Pause(me.agent_id, body.reason or "break"))
        return await run(cmd.Ready(me.agent_id))

    @app.post("/api/v1/queues/{queue_id}/join", tags=["agent"])
    async def join(queue_id: str, me: Me) -> dict[str, Any]:
        return await run(cmd.JoinQueue(me.agent_id, queue_id))

    @app.post("/api/v1/queues/{queue_id}/leave", tags=["agent"])
    async def leave(queue_id: str, me: Me) -> dict[str, Any]:
        return await run(cmd.LeaveQueue(me.agent_id, queue_id))

    # -- offers and calls ----------------------------------------------------------------------

    @app.post("/api/v1/offers/{offer_id}/accept", tags=["calls"])
    async def accept(offer_id: str, me: Me) -> dict[str, Any]:
        return await run(cmd.Accept(me.agent_id, offer_id))

    @app.post("/api/v1/offers/{offer_id}/decline", tags=["calls"])
    async def decline(offer_id: str, me: Me) -> dict[str, Any]:
        return await run(cmd.Decline(me.agent_id, offer_id))

    @app.post("/api/v1/calls/{call_id}/take", tags=["calls"])
    async def take(call_id: str, me: Me) -> dict[str, Any]:
        return await run(cmd.Take(me.agent_id, call_id))

    simple: dict[str, type[cmd.Command]] = {
        "hangup": cmd.Hangup,
        "hold": cmd.Hold,
        "resume": cmd.Resume,
        "mute": cmd.Mute,
        "unmute": cmd.Unmute,
        "recording/start": cmd.StartRecording,
        "recording/stop": cmd.StopRecording,
    }

    def _call_route(action: str, command: type[cmd.Command]) -> None:
        async def handler(call_id: str, me: Me) -> dict[str, Any]:
            return await run(command(me.agent_id, call_id))  # type: ignore[call-arg]

        handler.__name__ = f"call_{action.replace('/', '_')}"
        app.post(f"/api/v1/calls/{{call_id}}/{action}", tags=["calls"])(handler)

    for action, command in simple.items():
        _call_route(action, command)

    @app.post("/api/v1/calls/{call_id}/dtmf", tags=["calls"])
    async def dtmf(call_id: str, body: DtmfBody, me: Me) -> dict[str, Any]:
        return await run(cmd.SendDigits(me.agent_id, call_id, body.digits))

    @app.post("/api/v1/calls/{call_id}/transfer", tags=["transfers"])
    async def transfer(call_id: str, body: TransferBody, me: Me) -> dict[str, Any]:
        return await run(
            cmd.StartTransfer(me.agent_id, call_id, body.mode, body.kind, body.destination)
        )

    @app.post("/api/v1/transfers/{transfer_id}/complete", tags=["transfers"])
    async def complete(transfer_id: str, me: Me) -> dict[str, Any]:
        return await run(cmd.CompleteTransfer(me.agent_id, transfer_id))

    @app.post("/api/v1/transfers/{transfer_id}/cancel", tags=["transfers"])
    async def cancel(transfer_id: str, me: Me) -> dict[str, Any]:
        return await run(cmd.CancelTransfer(me.agent_id, transfer_id))

    @app.post("/api/v1/merge", tags=["calls"])
    async def merge(me: Me) -> dict[str, Any]:
        return await run(cmd.Merge(me.agent_id))

    @app.post("/api/v1/dial", tags=["calls"])
    async def dial(body: DialBody, me: Me) -> dict[str, Any]:
        if (body.number is None) == (body.extension is None):
            raise ApiError(422, "invalid_request", "give either a number or an extension")
        if body.extension is not None:
            if body.flow_id is not None:
                raise ApiError(
                    422, "invalid_request", "a Smart Routing places calls to numbers only"
                )
            return await run(cmd.DialExtension(me.agent_id, body.extension))
        assert body.number is not None
        return await run(
            cmd.DialNumber(
                me.agent_id,
                body.number,
                queue_id=body.queue_id,
                crm_contact_id=body.crm_contact_id,
                flow_id=body.flow_id,
            )
        )

    @app.post("/api/v1/callback", tags=["calls"])
    async def callback(body: CallbackBody, me: Me) -> dict[str, Any]:
        return await run(
            cmd.CallBack(me.agent_id, body.contact_id, number=body.number, queue_id=body.queue_id)
        )

    # -- post-interaction ----------------------------------------------------------------------

    @app.put("/api/v1/post-interaction/qualification", tags=["post-interaction"])
    async def qualify(body: QualificationBody, me: Me) -> dict[str, Any]:
        return await run(cmd.SetQualification(me.agent_id, body.values))

    @app.put("/api/v1/post-interaction/tags", tags=["post-interaction"])
    async def tags(body: TagsBody, me: Me) -> dict[str, Any]:
        return await run(cmd.SetTags(me.agent_id, tuple(body.tags)))

    @app.post("/api/v1/post-interaction/links", tags=["post-interaction"])
    async def link(body: LinkBody, me: Me) -> dict[str, Any]:
        return await run(cmd.LinkCrm(me.agent_id, body.contact_id, body.case_id))

    @app.delete("/api/v1/post-interaction/links", tags=["post-interaction"])
    async def unlink(body: LinkBody, me: Me) -> dict[str, Any]:
        return await run(cmd.UnlinkCrm(me.agent_id, body.contact_id, body.case_id))

    @app.post("/api/v1/post-interaction/extend", tags=["post-interaction"])
    async def extend(body: ExtendBody, me: Me) -> dict[str, Any]:
        return await run(cmd.ExtendPostInteraction(me.agent_id, body.seconds))

    @app.post("/api/v1/post-interaction/end", tags=["post-interaction"])
    async def end_post(me: Me) -> dict[str, Any]:
        return await run(cmd.EndPostInteraction(me.agent_id))

    # -- history, missed calls, preferences, recordings -------------------------------------------

    def _visible_queues(agent_id: str) -> set[str]:
        agent = server.center.agents[agent_id]
        return set(agent.membership_queues()) | set(agent.config.supervises)

    def _may_see(agent_id: str, record: InteractionRecord) -> bool:
        if any(p.agent_id == agent_id for p in record.participations):
            return True
        supervised = set(server.center.agents[agent_id].config.supervises)
        return record.queue_id is not None and record.queue_id in supervised

    @app.get("/api/v1/history", tags=["history"])
    async def history(
        me: Me, limit: int = 50, scope: Literal["mine", "supervised"] = "mine"
    ) -> list[dict[str, Any]]:
        if not 1 <= limit <= 200:
            raise ApiError(422, "invalid_request", "limit must be between 1 and 200")
        if scope == "mine":
            records = server.store.history(agent_id=me.agent_id, limit=limit)
        else:
            supervised = server.center.agents[me.agent_id].config.supervises
            records = server.store.history(queue_ids=list(supervised), limit=limit)
        return [record_json(server.center.directory, r) for r in records]

    def _visible_record(interaction_id: str, agent_id: str) -> InteractionRecord:
        record = server.store.get_interaction(interaction_id)
        if record is None or not _may_see(agent_id, record):
            # The same answer for "absent" and "not yours": ids are not probed.
            raise ApiError(404, "unknown_interaction", "there is no such interaction")
        return record

    @app.get("/api/v1/history/{interaction_id}", tags=["history"])
    async def interaction(interaction_id: str, me: Me) -> dict[str, Any]:
        return record_json(server.center.directory, _visible_record(interaction_id, me.agent_id))

    @app.post("/api/v1/history/{interaction_id}/call-back", tags=["calls"])
    async def call_back_history(interaction_id: str, me: Me) -> dict[str, Any]:
        """Call back the other party of an interaction of the history: the customer's
        number (with the interaction's queue and CRM contact, for the caller ID and
        the popup), or the colleague's extension for an internal call."""
        record = _visible_record(interaction_id, me.agent_id)
        if record.direction is Direction.INTERNAL:
            mine = server.center.agents[me.agent_id].config.extension
            other = record.callee if record.caller == mine else record.caller
            # A consultation's callee is the colleague's login: dial its extension.
            colleague = server.center.directory.colleague(other)
            extension = colleague.extension if colleague is not None else other
            return await run(cmd.DialExtension(me.agent_id, extension))
        number = record.caller if record.direction is Direction.INBOUND else record.callee
        member_of = server.center.agents[me.agent_id].membership_queues()
        queue_id = record.queue_id if record.queue_id in member_of else None
        return await run(
            cmd.DialNumber(
                me.agent_id, number, queue_id=queue_id, crm_contact_id=record.crm_contact_id
            )
        )

    @app.get("/api/v1/missed-calls", tags=["history"])
    async def missed(me: Me, limit: int = 50) -> list[dict[str, Any]]:
        if not 1 <= limit <= 200:
            raise ApiError(422, "invalid_request", "limit must be between 1 and 200")
        return [
            {
                "id": m.id,
                "call_id": m.call_id,
                "caller": m.caller,
                "crm_contact_id": m.crm_contact_id,
                "queue_id": m.queue_id,
                "at": m.at,
                "reason": m.reason,
            }
            for m in server.store.missed_calls(me.agent_id, limit=limit)
        ]

    @app.get("/api/v1/notification-preferences", tags=["agent"])
    async def preferences(me: Me) -> dict[str, str]:
        agent = server.center.agents[me.agent_id]
        return {kind.value: agent.notification_mode(kind).value for kind in NotificationType}

    @app.put("/api/v1/notification-preferences/{kind}", tags=["agent"])
    async def set_preference(
        kind: NotificationType, body: PreferenceBody, me: Me
    ) -> dict[str, str]:
        await server.submit(cmd.SetNotificationPreference(me.agent_id, kind, body.mode))
        server.store.set_notification_preference(me.agent_id, kind.value, body.mode.value)
        return await preferences(me)

    @app.get("/api/v1/recordings/{recording_id}", tags=["history"])
    async def recording(recording_id: str, me: Me) -> Response:
        file = server.store.get_recording_file(recording_id)
        record = server.store.get_interaction(file.interaction_id) if file else None
        if file is None or record is None or not _may_see(me.agent_id, record):
            raise ApiError(404, "unknown_recording", "there is no such recording")
        if file.path is None or not Path(file.path).is_file():
            raise ApiError(409, "recording_not_ready", "the recording is not on disk yet")
        return FileResponse(file.path, media_type="audio/wav", filename=f"{recording_id}.wav")

    app.include_router(voicemail_routes(server, now))

    # -- the Banner's softphone -------------------------------------------------------------------

    @app.post("/api/v1/softphone", tags=["agent"])
    async def softphone(body: SoftphoneBody, me: Me) -> dict[str, str]:
        """The Banner's WebRTC offer; the answer connects the agent's audio."""
        agent = server.center.agents[me.agent_id]
        if agent.device is not Device.BANNER:
            raise ApiError(
                409,
                "not_a_banner_device",
                "your calls ring your SIP phone; the Banner's softphone is for agents "
                "whose device is the Banner",
            )
        try:
            answer = await server.softphone_offer(me.agent_id, body.sdp)
        except ValueError as error:  # aiortc: an offer it cannot read or answer
            raise ApiError(422, "invalid_offer", f"the WebRTC offer was refused: {error}") from None
        except SoftphoneUnavailable as error:
            raise ApiError(
                503, "softphone_unavailable", f"the softphone cannot start now ({error}): retry"
            ) from None
        return {"type": "answer", "sdp": answer}

    @app.put("/api/v1/device", tags=["agent"])
    async def device(body: DeviceBody, me: Me) -> dict[str, Any]:
        """Take the next calls on the Banner (softphone) or on the SIP phone."""
        view = await run(cmd.SetDevice(me.agent_id, body.device))
        if body.device is not Device.BANNER:
            await server.softphone.hang_up(me.agent_id)
        return view

    @app.delete("/api/v1/softphone", tags=["agent"])
    async def softphone_off(me: Me) -> dict[str, str]:
        await server.softphone.hang_up(me.agent_id)
        return {"status": "closed"}

    # -- what the Banner needs to draw ----------------------------------------------------------

    @app.get("/api/v1/config", tags=["agent"])
    async def banner_config(me: Me) -> dict[str, Any]:
        tenant = server.tenant
        visible = _visible_queues(me.agent_id)
        return {
            "company": tenant.settings.company,
            "timezone": tenant.settings.timezone,
            "queues": [
                {
                    "id": q.id,
                    "name": q.name,
                    "small_banner": q.small_banner,
                    "recording": q.recording.value,
                    "qualification_form": q.qualification_form,
                }
                for q in tenant.queues
            ],
            "my_queues": sorted(visible),
            "users": [
                {"id": a.id, "name": a.name, "extension": a.extension} for a in tenant.agents
            ],
            "directory": [c.model_dump() for c in tenant.directory],
            "crm_contacts": [c.model_dump() for c in tenant.crm_contacts],
            "qualification_forms": [f.model_dump() for f in tenant.qualification_forms],
            "tags": [t.model_dump() for t in tenant.tags],
            # Transfer to a Smart Routing, and smart outbound, pick from these.
            "flows": [{"id": f.id, "name": f.name} for f in tenant.flows],
            "pause_reasons": ["break", "lunch", "meeting", "training", "admin"],
        }

    # -- the event stream --------------------------------------------------------------------------

    @app.websocket("/api/v1/events")
    async def events(socket: WebSocket) -> None:
        token = socket.cookies.get(COOKIE) or socket.query_params.get("token")
        header = socket.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            token = header[7:].strip()
        session = sessions.lookup(token, now())
        await socket.accept()
        if session is None:
            # Accepted, then closed with our code: a socket refused at the handshake
            # reaches a browser as 1006 with no reason, which looks like a network
            # error, and the Banner would retry instead of asking to sign in again.
            await socket.close(code=4401, reason="your session ended: sign in again")
            return
        subscriber = server.hub.subscribe(session.agent_id)
        receiver = asyncio.get_running_loop().create_task(_drain(socket))
        try:
            while True:
                getter = asyncio.ensure_future(subscriber.queue.get())
                done, _ = await asyncio.wait(
                    {getter, receiver}, return_when=asyncio.FIRST_COMPLETED
                )
                if receiver in done:
                    getter.cancel()
                    break
                message = getter.result()
                if message is CLOSED:
                    await socket.close(code=1013, reason="too slow; reconnect")
                    break
                await socket.send_text(json.dumps(message))
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            server.hub.unsubscribe(subscriber)
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await receiver

    # The Banner at `/`, mounted last: the routes above (`/api/v1/*`, `/docs`,
    # `/openapi.json`) are matched first, so nothing here can shadow them.
    app.mount("/", StaticFiles(directory=static_dir or BANNER, html=True), name="banner")
    return app


def _prefers(request: Request, preference: str) -> bool:
    """Whether the request's `Prefer` headers (RFC 7240) ask for `preference`."""
    for header in request.headers.getlist("prefer"):
        for token in header.split(","):
            if token.split(";", 1)[0].strip().lower() == preference:
                return True
    return False


async def _drain(socket: WebSocket) -> None:
    """Read (and ignore) what the client sends until it goes away."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            await socket.receive_text()
