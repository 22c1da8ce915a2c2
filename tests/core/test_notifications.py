"""Spec §9: voice notifications by type, each disabled, sound only, desktop only or
both, per agent (the agent's choice overrides its profile's default)."""

from __future__ import annotations

from switchboard.config.model import InboundNumber, NotificationMode, NotificationType
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.transfer import DestinationKind, TransferMode

from .scenario import Scenario, agent, queue, tenant

NUMBER = "+33100000100"


def center() -> Scenario:
    s = Scenario(
        tenant(
            queue("sales", offer_timeout=10),
            agents=[agent("ann", "sales"), agent("bob", "sales")],
            numbers=[InboundNumber(number=NUMBER, queue="sales")],
        )
    )
    return s


def notices(s: Scenario, agent_id: str) -> list[tuple[NotificationType, NotificationMode]]:
    return [(n.kind, n.mode) for n in s.of_type(fx.Notify) if n.agent_id == agent_id]


def test_incoming_call_rings_with_the_profile_default() -> None:
    s = center()
    s.login("ann")
    s.call_in(NUMBER)
    assert notices(s, "ann") == [(NotificationType.INCOMING_CALL, NotificationMode.BOTH)]


def test_missed_call_on_expiry_and_on_decline() -> None:
    s = center()
    s.login("ann", "bob")
    s.call_in(NUMBER)
    s.after(10)  # Ann misses it, Bob is offered it
    s.do(cmd.Decline("bob", s.offer_of("bob")))
    assert (NotificationType.MISSED_CALL, NotificationMode.DESKTOP) in notices(s, "ann")
    assert (NotificationType.MISSED_CALL, NotificationMode.DESKTOP) in notices(s, "bob")


def test_transfer_requested_reaches_the_recipient() -> None:
    s = center()
    s.login("ann", "bob")
    call_id = s.call_in(NUMBER)
    s.accept("ann")
    s.do(cmd.StartTransfer("ann", call_id, TransferMode.BLIND, DestinationKind.USER, "bob"))
    transfer = [n for n in s.of_type(fx.Notify) if n.kind is NotificationType.TRANSFER_REQUESTED]
    assert [(n.agent_id, n.detail["from_agent"], n.detail["mode"]) for n in transfer] == [
        ("bob", "ann", "blind")
    ]


def test_call_ended_is_off_by_default_and_the_agent_can_turn_it_on() -> None:
    s = center()
    s.login("ann")
    s.do(cmd.SetNotificationPreference("ann", NotificationType.CALL_ENDED, NotificationMode.SOUND))
    s.do(
        cmd.SetNotificationPreference(
            "ann", NotificationType.INCOMING_CALL, NotificationMode.DISABLED
        )
    )
    call_id = s.call_in(NUMBER)
    s.accept("ann")
    s.do(cmd.RemoteHungUp(call_id))
    assert notices(s, "ann") == [(NotificationType.CALL_ENDED, NotificationMode.SOUND)]
