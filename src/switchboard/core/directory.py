"""Look-ups over the tenant configuration: numbers, extensions, CRM contacts, caller IDs.

Everything that names a party of a call (the popup, the call's parties, the
post-call, the history, voicemails) asks here, so that a number is named the same
everywhere: a phone number matches on its last 9 digits (`_match_key`), whatever
its prefix or punctuation; a colleague is found by extension or by login.
"""

from __future__ import annotations

import re

from switchboard.config.model import Agent as AgentConfig
from switchboard.config.model import CrmContact, DirectoryContact, Queue, Tenant
from switchboard.core.agent import Agent

_NUMBER = re.compile(r"^\+?[0-9]{2,20}$")


def normalize_number(raw: str) -> str:
    """Digits only, keeping a leading `+`: `+33 1 23-45` → `+332345`."""
    raw = raw.strip()
    plus = raw.startswith("+")
    digits = "".join(ch for ch in raw if ch.isdigit())
    return ("+" if plus else "") + digits


def valid_number(raw: str) -> bool:
    return bool(_NUMBER.match(normalize_number(raw))) and not any(ch.isalpha() for ch in raw)


def _match_key(number: str) -> str:
    """Numbers match on their last 9 digits, so `+33612345678` finds `0612345678`."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return digits[-9:]


class Directory:
    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self._crm_by_number: dict[str, CrmContact] = {}
        for contact in tenant.crm_contacts:
            for number in contact.numbers:
                self._crm_by_number.setdefault(_match_key(number), contact)
        self.crm = {c.id: c for c in tenant.crm_contacts}
        self.contacts = {c.id: c for c in tenant.directory}
        self._contact_by_number: dict[str, DirectoryContact] = {}
        for entry in tenant.directory:
            self._contact_by_number.setdefault(_match_key(entry.number), entry)
        self.inbound = {normalize_number(n.number): n for n in tenant.inbound_numbers}
        self.extensions = {a.extension: a.id for a in tenant.agents}
        self._agents = {a.id: a for a in tenant.agents}
        self.forms = {f.id: f for f in tenant.qualification_forms}
        self.tags = {t.id for t in tenant.tags}
        self.flows = set(tenant.flow_ids)
        self.hold_music = [m.id for m in tenant.hold_music]

    def crm_for(self, number: str) -> CrmContact | None:
        key = _match_key(number)
        return self._crm_by_number.get(key) if len(key) >= 4 else None

    def contact_for(self, number: str) -> DirectoryContact | None:
        """The directory contact with this number (a transfer or call destination),
        matched as `crm_for` matches CRM contacts."""
        key = _match_key(number)
        return self._contact_by_number.get(key) if len(key) >= 4 else None

    def colleague(self, party: str) -> AgentConfig | None:
        """The colleague `party` names: by extension (an internal call's caller or
        callee) or by login (the callee of a consultation, a transfer's agent)."""
        return self._agents.get(self.extensions.get(party, party))

    def caller_id(self, agent: Agent, queue: Queue | None) -> str | None:
        """The outbound caller ID: the queue's, else the profile's, else the tenant's."""
        if queue is not None and queue.caller_id:
            return queue.caller_id
        if agent.profile.outbound_caller_id:
            return agent.profile.outbound_caller_id
        return self.tenant.settings.default_caller_id

    def music_for(self, queue: Queue | None) -> str | None:
        if queue is not None and queue.hold_music:
            return queue.hold_music
        return self.hold_music[0] if self.hold_music else None
