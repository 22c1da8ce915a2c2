"""The core's records go into the store as they come out: a whole working day of one
agent (a transfer, a recording, a qualification, a missed call) is persisted from
the effects of the core and read back unchanged, then history is queried the way
the Banner will."""

from __future__ import annotations

from switchboard.config.model import InboundNumber, RecordingMode
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.records import EndCause
from switchboard.core.transfer import DestinationKind, TransferMode
from switchboard.store import Store

from ..core.scenario import Scenario, agent, queue, tenant

SALES = "+33100000100"


def day() -> Scenario:
    s = Scenario(
        tenant(
            queue("sales", recording=RecordingMode.AUTOMATIC, qualification_form="sales-form"),
            queue("support"),
            agents=[agent("ann", "sales"), agent("bob", "sales", "support")],
            numbers=[InboundNumber(number=SALES, queue="sales")],
        )
    )
    s.login("ann")
    missed = s.call_in(SALES, caller="+33612345678")
    s.after(20)  # Ann misses it; it waits
    s.login("bob")
    s.accept("bob")
    s.after(30)
    s.do(cmd.StartTransfer("bob", missed, TransferMode.BLIND, DestinationKind.USER, "ann"))
    s.accept("ann")
    s.after(45)
    s.do(cmd.RemoteHungUp(missed))
    s.do(cmd.SetQualification("ann", {"outcome": "sale", "amount": 99.9}))
    s.do(cmd.SetTags("ann", ("vip",)))
    s.do(cmd.LinkCrm("ann", "alice-martin", "case-1"))
    s.do(cmd.EndPostInteraction("ann"))
    s.after(60)
    return s


def test_every_record_the_core_emits_is_stored_and_read_back_equal(store: Store) -> None:
    s = day()
    for effect in s.effects:
        if isinstance(effect, fx.PersistInteraction):
            store.save_interaction(effect.record)
        elif isinstance(effect, fx.PersistMissedCall):
            store.save_missed_call(effect.record)
    (call_id,) = s.records
    stored = store.get_interaction(call_id)
    assert stored == s.records[call_id]
    assert stored is not None
    assert stored.end_cause is EndCause.COMPLETED
    assert [p.agent_id for p in stored.participations] == ["bob", "ann"]
    assert stored.participations[1].qualification == {"outcome": "sale", "amount": 99.9}
    assert [t.status for t in stored.transfers] == ["completed"]
    assert len(stored.recordings) == 1
    assert stored.recordings[0].automatic
    assert [m.reason for m in store.missed_calls("ann")] == ["expired"]
    assert [r.id for r in store.history(agent_id="bob")] == [call_id]
    assert [r.id for r in store.history(queue_ids=["support"])] == []
