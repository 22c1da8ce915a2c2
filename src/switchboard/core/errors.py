"""The typed refusal of an illegal command.

Every command handler checks everything before it changes anything, so a
`CommandRejected` always leaves the contact center exactly as it was. The `reason`
is stable (API clients switch on it); `kind` tells the API which HTTP status fits.

Among the conflicts, a *race* is a refusal the agent could not have avoided: the
command was right for what its screen showed, and the state moved on before the
click arrived (the offer expired, a colleague took the call). The Banner shows a
race as news, not as an error (see `Prefer: conflict=outcome` in `api/app.py`);
every other conflict is a mistake to point out.
"""

from __future__ import annotations

from enum import StrEnum


class RejectionKind(StrEnum):
    NOT_FOUND = "not_found"  # 404
    FORBIDDEN = "forbidden"  # 403
    CONFLICT = "conflict"  # 409: not possible in the current state
    RACE = "race"  # 409 too: the state moved on between the screen and the click
    INVALID = "invalid"  # 422: the request itself is wrong


class Reason(StrEnum):
    UNKNOWN_AGENT = "unknown_agent"
    UNKNOWN_CALL = "unknown_call"
    UNKNOWN_QUEUE = "unknown_queue"
    UNKNOWN_FLOW = "unknown_flow"
    UNKNOWN_OFFER = "unknown_offer"
    UNKNOWN_CONTACT = "unknown_contact"
    UNKNOWN_CASE = "unknown_case"
    UNKNOWN_TAG = "unknown_tag"
    UNKNOWN_EXTENSION = "unknown_extension"
    NOT_LOGGED_IN = "not_logged_in"
    ALREADY_LOGGED_IN = "already_logged_in"
    NOT_A_MEMBER = "not_a_member"
    NOT_VISIBLE = "not_visible"
    OFFER_EXPIRED = "offer_expired"
    CALL_ALREADY_TAKEN = "call_already_taken"
    CALL_NOT_WAITING = "call_not_waiting"
    NOT_YOUR_CALL = "not_your_call"
    AGENT_BUSY = "agent_busy"
    AGENT_NOT_BUSY = "agent_not_busy"
    NO_RECORDING_RIGHT = "no_recording_right"
    RECORDING_OFF = "recording_off"
    RECORDING_AUTOMATIC = "recording_automatic"
    ALREADY_RECORDING = "already_recording"
    NOT_RECORDING = "not_recording"
    ALREADY_HELD = "already_held"
    NOT_HELD = "not_held"
    ALREADY_MUTED = "already_muted"
    NOT_MUTED = "not_muted"
    CALL_NOT_CONNECTED = "call_not_connected"
    INVALID_DTMF = "invalid_dtmf"
    MERGE_NEEDS_TWO_CALLS = "merge_needs_two_calls"
    ALREADY_IN_CONFERENCE = "already_in_conference"
    TRANSFER_IN_PROGRESS = "transfer_in_progress"
    NO_TRANSFER = "no_transfer"
    TRANSFER_NOT_ANSWERED = "transfer_not_answered"
    TRANSFER_TO_SELF = "transfer_to_self"
    ATTENDED_NOT_POSSIBLE = "attended_not_possible"
    INVALID_NUMBER = "invalid_number"
    NO_SMART_OUTBOUND_RIGHT = "no_smart_outbound_right"
    TOO_MANY_CALLS = "too_many_calls"
    NOT_IN_POST_INTERACTION = "not_in_post_interaction"
    REQUIRED_FIELD_MISSING = "required_field_missing"
    UNKNOWN_FIELD = "unknown_field"
    INVALID_FIELD_VALUE = "invalid_field_value"
    NO_QUALIFICATION_FORM = "no_qualification_form"
    EXTENSION_LIMIT = "extension_limit"
    INVALID_DURATION = "invalid_duration"
    INVALID_STATE = "invalid_state"
    NO_SIP_ACCOUNT = "no_sip_account"


_KIND: dict[Reason, RejectionKind] = {
    **{r: RejectionKind.NOT_FOUND for r in Reason if r.value.startswith("unknown_")},
    Reason.NOT_A_MEMBER: RejectionKind.FORBIDDEN,
    Reason.NOT_VISIBLE: RejectionKind.FORBIDDEN,
    Reason.NOT_YOUR_CALL: RejectionKind.FORBIDDEN,
    Reason.NO_RECORDING_RIGHT: RejectionKind.FORBIDDEN,
    Reason.NO_SMART_OUTBOUND_RIGHT: RejectionKind.FORBIDDEN,
    Reason.NO_SIP_ACCOUNT: RejectionKind.FORBIDDEN,
    Reason.INVALID_DTMF: RejectionKind.INVALID,
    Reason.INVALID_NUMBER: RejectionKind.INVALID,
    Reason.REQUIRED_FIELD_MISSING: RejectionKind.INVALID,
    Reason.UNKNOWN_FIELD: RejectionKind.INVALID,
    Reason.INVALID_FIELD_VALUE: RejectionKind.INVALID,
    Reason.INVALID_DURATION: RejectionKind.INVALID,
    Reason.TRANSFER_TO_SELF: RejectionKind.INVALID,
    # Races. Each is the same click on the same screen, arriving a moment too late;
    # the agent could not have known.
    # - the offer's countdown ran out (or the call was taken elsewhere) as the agent
    #   clicked Accept or Decline;
    Reason.OFFER_EXPIRED: RejectionKind.RACE,
    # - a colleague took the waiting call first;
    Reason.CALL_ALREADY_TAKEN: RejectionKind.RACE,
    # - the waiting call left the queue (the caller hung up, chose voicemail or a
    #   callback) as the supervisor clicked Take;
    Reason.CALL_NOT_WAITING: RejectionKind.RACE,
    # - the transfer ended by itself (the destination declined or did not answer, the
    #   customer hung up) as the agent clicked Complete or Cancel;
    Reason.NO_TRANSFER: RejectionKind.RACE,
    # - the post-interaction reached its deadline, which ends it whatever is left to
    #   fill in, as the agent clicked End or Extend or saved a field.
    Reason.NOT_IN_POST_INTERACTION: RejectionKind.RACE,
    # Not races, though they depend on the state: the agent's own state or a rule the
    # screen already showed, so the click was a mistake to point out. AGENT_BUSY,
    # ALREADY_HELD, NOT_HELD, ALREADY_MUTED, NOT_MUTED, ALREADY_RECORDING, NOT_RECORDING,
    # CALL_NOT_CONNECTED, EXTENSION_LIMIT, TOO_MANY_CALLS, RECORDING_OFF,
    # TRANSFER_NOT_ANSWERED, ATTENDED_NOT_POSSIBLE, NOT_LOGGED_IN…: conflicts. (Hanging
    # up a call that just ended is no refusal at all: see `controls.hangup`.)
}

RACES = tuple(r for r, kind in _KIND.items() if kind is RejectionKind.RACE)
"""The reasons that are races (their comments in `_KIND` say why)."""


class CommandRejected(Exception):
    """A command that cannot be carried out; the state is unchanged."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message

    @property
    def kind(self) -> RejectionKind:
        """The kind of the reason; a reason not listed in `_KIND` is a conflict."""
        return _KIND.get(self.reason, RejectionKind.CONFLICT)

    def __repr__(self) -> str:
        return f"CommandRejected({self.reason.value!r}, {self.message!r})"
