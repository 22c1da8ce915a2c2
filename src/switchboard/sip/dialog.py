"""SIP dialogs (RFC 3261 §12): the peer-to-peer relationship an INVITE sets up.

Theory of operation
-------------------
    (none) ──1xx with a To tag (UAC) / we send 1xx with our tag (UAS)──▶ early
    early  ──2xx──▶ confirmed ──BYE (either side)──▶ terminated
    early  ──3xx-6xx, CANCEL, timeout──▶ terminated

A dialog is named by Call-ID and the two tags. It remembers what every later
request inside it needs: the remote target (the peer's Contact, refreshed by
re-INVITEs), the route set (the Record-Route of the request or response that made
it, reversed for the UAC), and both CSeq counters. `request()` builds an in-dialog
request (BYE, re-INVITE, INFO, ACK of a 2xx) ready for a transaction; loose routing
only (`;lr`), as every proxy since RFC 3261 does. `check_request()` applies the
remote CSeq rule (an older CSeq gets 500) and refreshes the target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from switchboard.sip.address import Address
from switchboard.sip.headers import Headers
from switchboard.sip.message import Request, Response
from switchboard.sip.uri import URI


class DialogState(StrEnum):
    EARLY = "early"
    CONFIRMED = "confirmed"
    TERMINATED = "terminated"


class DialogError(ValueError):
    """A message that does not fit the dialog (missing tag, contact, CSeq)."""


@dataclass(slots=True)
class Dialog:
    call_id: str
    local_tag: str
    remote_tag: str
    local: Address
    """Our From (UAC) or To (UAS), with our tag."""
    remote: Address
    remote_target: URI
    route_set: list[Address] = field(default_factory=list)
    local_seq: int = 0
    remote_seq: int | None = None
    state: DialogState = DialogState.EARLY
    is_uac: bool = True

    @property
    def id(self) -> tuple[str, str, str]:
        return (self.call_id, self.local_tag, self.remote_tag)

    # -- creation ---------------------------------------------------------------------

    @classmethod
    def as_uas(cls, request: Request, local_tag: str) -> Dialog:
        """The dialog a UAS creates when it answers `request` with a tag (§12.1.1)."""
        h = request.headers
        call_id, from_, to, cseq = h.call_id(), h.from_(), h.to(), h.cseq()
        contacts = h.contacts()
        if call_id is None or from_ is None or to is None or cseq is None:
            raise DialogError("the request lacks Call-ID, From, To or CSeq")
        # An RFC 2543 caller may send no From tag and no Contact: the remote tag is
        # then empty and requests go to its From address (§12.1.1, §12.2.1.1).
        return cls(
            call_id=call_id,
            local_tag=local_tag,
            remote_tag=from_.tag or "",
            local=to.with_tag(local_tag),
            remote=from_,
            remote_target=contacts[0].uri if contacts else from_.uri,
            route_set=list(h.record_routes()),
            local_seq=0,
            remote_seq=cseq.seq,
            is_uac=False,
        )

    @classmethod
    def as_uac(cls, request: Request, response: Response) -> Dialog:
        """The dialog a UAC creates from a 1xx/2xx with a To tag (§12.1.2)."""
        rh = response.headers
        to, contacts = rh.to(), rh.contacts()
        from_, cseq, call_id = request.headers.from_(), request.headers.cseq(), rh.call_id()
        if to is None or to.tag is None or from_ is None or from_.tag is None:
            raise DialogError("a dialog needs both tags")
        if cseq is None or call_id is None:
            raise DialogError("the request lacks a CSeq or Call-ID")
        if not contacts:
            raise DialogError("the response has no Contact")
        dialog = cls(
            call_id=call_id,
            local_tag=from_.tag,
            remote_tag=to.tag,
            local=from_,
            remote=to,
            remote_target=contacts[0].uri,
            route_set=list(reversed(rh.record_routes())),
            local_seq=cseq.seq,
            is_uac=True,
        )
        if 200 <= response.status < 300:
            dialog.state = DialogState.CONFIRMED
        return dialog

    # -- updates ------------------------------------------------------------------------

    def confirm(self, message: Request | Response) -> None:
        """A 2xx (UAC) or our 2xx (UAS) makes the dialog confirmed; the UAC takes the
        route set and target of the 2xx, which may differ from the 1xx's."""
        if self.is_uac and isinstance(message, Response):
            routes = list(reversed(message.headers.record_routes()))
            if routes or not self.route_set:
                self.route_set = routes
            self.refresh_target(message)
        self.state = DialogState.CONFIRMED

    def refresh_target(self, message: Request | Response) -> None:
        contacts = message.headers.contacts()
        if contacts:
            self.remote_target = contacts[0].uri

    def check_request(self, request: Request) -> int | None:
        """Accept a request within this dialog: None, or the status to refuse it with
        (500 for a CSeq lower than the last one, §12.2.2)."""
        cseq = request.headers.cseq()
        if cseq is None:
            return 400
        if request.method in ("ACK", "CANCEL"):
            return None
        if self.remote_seq is not None and cseq.seq < self.remote_seq:
            return 500
        self.remote_seq = cseq.seq
        if request.method == "INVITE":
            self.refresh_target(request)
        return None

    # -- requests inside the dialog -----------------------------------------------------

    def request(
        self,
        method: str,
        via: str,
        *,
        contact: Address | None = None,
        headers: tuple[tuple[str, str], ...] = (),
        body: bytes = b"",
        content_type: str | None = None,
        cseq: int | None = None,
    ) -> Request:
        """An in-dialog request (§12.2.1.1). ACK reuses the INVITE's CSeq number
        (pass it as `cseq`); every other method takes the next local CSeq."""
        if method == "ACK":
            if cseq is None:
                raise DialogError("an ACK needs the CSeq of its INVITE")
            number = cseq
        else:
            self.local_seq += 1
            number = self.local_seq
        h = Headers()
        h.add("Via", via)
        h.add("Max-Forwards", "70")
        for route in self.route_set:
            h.add("Route", str(route))
        h.add("From", str(self.local))
        h.add("To", str(self.remote))
        h.add("Call-ID", self.call_id)
        h.add("CSeq", f"{number} {method}")
        if contact is not None:
            h.add("Contact", str(contact))
        for name, value in headers:
            h.add(name, value)
        if body and content_type:
            h.add("Content-Type", content_type)
        return Request(method, self.remote_target, h, body)

    def terminate(self) -> None:
        self.state = DialogState.TERMINATED


def dialog_id_of_request(request: Request) -> tuple[str, str, str] | None:
    """The id a UAS looks up for an in-dialog request: (Call-ID, To tag, From tag);
    None for a request outside any dialog (no To tag)."""
    h = request.headers
    call_id, from_, to = h.call_id(), h.from_(), h.to()
    if call_id is None or from_ is None or to is None or to.tag is None:
        return None
    return (call_id, to.tag, from_.tag or "")


def dialog_id_of_response(response: Response) -> tuple[str, str, str] | None:
    """The id a UAC looks up for a response: (Call-ID, From tag, To tag)."""
    h = response.headers
    call_id, from_, to = h.call_id(), h.from_(), h.to()
    if call_id is None or from_ is None or to is None or to.tag is None or from_.tag is None:
        return None
    return (call_id, from_.tag, to.tag)
