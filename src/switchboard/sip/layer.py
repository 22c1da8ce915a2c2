"""The transaction layer: matching messages to transactions (RFC 3261 §17.1.3, §17.2.3).

The UA core hands requests to `send` and responses to `respond`; the transport hands
whatever arrives to `receive_request` / `receive_response`. The layer keeps the live
transactions, routes each message to its own, creates server transactions for new
requests and answers INVITEs with 100 Trying at once (the agent's phone may take
seconds to ring). It reports what the core must hear as events:

* `RequestReceived` — a new request (not a retransmission);
* `CancelReceived` — a CANCEL and the INVITE transaction it cancels (or None: 481);
* `AckReceived` — an ACK outside any transaction: the ACK of a 2xx, for the dialog;
* `ResponseReceived`, `TimedOut`, `Terminated` — from the transactions;
* `StrayResponse` — a response no transaction wants (a late 2xx retransmission).

Server transactions are keyed by the RFC 3261 branch, the sent-by and the method
(ACK matches its INVITE); an RFC 2543 peer without the magic cookie is matched on
Request-URI, tags, Call-ID, CSeq and top Via instead (RFC 4475 §3.2.1).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from switchboard.sip.message import Request, Response
from switchboard.sip.transaction import (
    Action,
    ClientTransaction,
    Peer,
    RequestReceived,
    ServerTransaction,
    Terminated,
    Transmit,
)


@dataclass(frozen=True, slots=True)
class CancelReceived:
    cancel: ServerTransaction
    invite: ServerTransaction | None


@dataclass(frozen=True, slots=True)
class AckReceived:
    request: Request
    peer: Peer


@dataclass(frozen=True, slots=True)
class StrayResponse:
    response: Response
    peer: Peer


LayerAction = Action | CancelReceived | AckReceived | StrayResponse


def _method_for_matching(method: str) -> str:
    return "INVITE" if method == "ACK" else method


def server_key(request: Request, method: str | None = None) -> str | None:
    """The key of the server transaction this request belongs to (None: unusable)."""
    via = request.headers.top_via()
    cseq = request.headers.cseq()
    if via is None or cseq is None:
        return None
    matched = _method_for_matching(method or request.method)
    if via.rfc3261_branch:
        port = via.port or 5060
        return f"{via.branch}|{via.host.lower()}:{port}|{matched}"
    # RFC 2543: the To tag of an ACK is the one the response added, so leave it out.
    from_ = request.headers.from_()
    to = request.headers.to()
    to_tag = "" if request.method == "ACK" or to is None else (to.tag or "")
    return "|".join(
        [
            "2543",
            str(request.uri),
            to_tag,
            (from_.tag or "") if from_ else "",
            request.headers.call_id() or "",
            str(cseq.seq),
            matched,
            str(via),
        ]
    )


def client_key(message: Request | Response) -> str | None:
    via = message.headers.top_via()
    cseq = message.headers.cseq()
    if via is None or cseq is None or via.branch is None:
        return None
    return f"{via.branch}|{cseq.method}"


class TransactionLayer:
    def __init__(self) -> None:
        self.clients: dict[str, ClientTransaction] = {}
        self.servers: dict[str, ServerTransaction] = {}
        self._heap: list[tuple[float, int, str, str]] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self.clients) + len(self.servers)

    # -- deadlines ---------------------------------------------------------------------

    def _schedule(self, side: str, tx: ClientTransaction | ServerTransaction) -> None:
        deadline = tx.next_deadline()
        if deadline is not None:
            self._seq += 1
            heapq.heappush(self._heap, (deadline, self._seq, side, tx.key))

    def next_deadline(self) -> float | None:
        while self._heap:
            deadline, _, side, key = self._heap[0]
            tx = (self.clients if side == "c" else self.servers).get(key)
            if tx is not None and tx.next_deadline() == deadline:
                return deadline
            heapq.heappop(self._heap)
        return None

    def handle_timer(self, now: float) -> list[LayerAction]:
        out: list[LayerAction] = []
        while self._heap and self._heap[0][0] <= now:
            deadline, _, side, key = heapq.heappop(self._heap)
            if side == "c":
                client = self.clients.get(key)
                if client is not None and client.next_deadline() == deadline:
                    out.extend(self._client(client, client.handle_timer(now)))
            else:
                server = self.servers.get(key)
                if server is not None and server.next_deadline() == deadline:
                    out.extend(self._server(server, server.handle_timer(now)))
        return out

    def _client(self, tx: ClientTransaction, actions: list[Action]) -> list[LayerAction]:
        if any(isinstance(a, Terminated) for a in actions):
            self.clients.pop(tx.key, None)
        else:
            self._schedule("c", tx)
        return list(actions)

    def _server(self, tx: ServerTransaction, actions: list[Action]) -> list[LayerAction]:
        if any(isinstance(a, Terminated) for a in actions):
            self.servers.pop(tx.key, None)
        else:
            self._schedule("s", tx)
        return list(actions)

    # -- the UA core's side ----------------------------------------------------------

    def send(
        self, request: Request, peer: Peer, now: float
    ) -> tuple[ClientTransaction, list[LayerAction]]:
        """Start a client transaction; the request's top Via must carry a fresh branch."""
        key = client_key(request)
        if key is None:
            raise ValueError("a request needs a top Via with a branch and a CSeq")
        if key in self.clients:
            raise ValueError(f"a client transaction {key!r} already exists")
        tx = ClientTransaction(key, request, peer)
        self.clients[key] = tx
        return tx, self._client(tx, tx.start(now))

    def respond(self, tx: ServerTransaction, response: Response, now: float) -> list[LayerAction]:
        return self._server(tx, tx.respond(response, now))

    def transport_error(self, tx: ClientTransaction) -> list[LayerAction]:
        return self._client(tx, tx.transport_error())

    # -- the transport's side ----------------------------------------------------------

    def receive_request(self, request: Request, peer: Peer, now: float) -> list[LayerAction]:
        key = server_key(request)
        if key is None:
            return []
        existing = self.servers.get(key)
        if request.method == "ACK":
            if existing is not None and existing.invite and existing.state.value == "completed":
                return self._server(existing, existing.receive_retransmission(request, now))
            return [AckReceived(request, peer)]
        if existing is not None:
            return self._server(existing, existing.receive_retransmission(request, now))
        tx = ServerTransaction(key, request, peer)
        self.servers[key] = tx
        if request.method == "CANCEL":
            invite_key = server_key(request, "INVITE")
            invite = self.servers.get(invite_key) if invite_key else None
            return [CancelReceived(tx, invite)]
        out: list[LayerAction] = []
        if tx.invite:
            out.extend(self.respond(tx, tx.trying(), now))
        out.append(RequestReceived(tx, request))
        return out

    def receive_response(self, response: Response, peer: Peer, now: float) -> list[LayerAction]:
        key = client_key(response)
        tx = self.clients.get(key) if key else None
        if tx is None:
            return [StrayResponse(response, peer)]
        return self._client(tx, tx.receive(response, now))


__all__ = [
    "AckReceived",
    "CancelReceived",
    "LayerAction",
    "StrayResponse",
    "TransactionLayer",
    "Transmit",
    "client_key",
    "server_key",
]
