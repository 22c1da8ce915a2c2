"""An offer: a call reserved for one agent until accepted, declined or expired.

The offer is the popup's life. While it lives the agent is `presented` and the call
is `offered` (in a ring-all queue, one call may hold offers to several agents; the
first accept wins and the others are withdrawn). Its `deadline` is the countdown the
popup shows. `kind` tells why the agent is solicited: the ACD (`queue`), a call to
this agent only (`direct`), a transfer, a consultation, or the recall of a failed
blind transfer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OfferKind(StrEnum):
    QUEUE = "queue"
    DIRECT = "direct"
    TRANSFER = "transfer"
    CONSULT = "consult"
    RECALL = "recall"
    TAKE = "take"


@dataclass(slots=True)
class Offer:
    id: str
    call_id: str
    agent_id: str
    kind: OfferKind
    created_at: float
    deadline: float
    auto_answer: bool
