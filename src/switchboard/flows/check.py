"""What a flow points to, checked against the tenant: `switchboard check-config`.

Pydantic has checked each flow's shape and expressions (`model.py`); here each flow
is checked as a graph and against the rest of the configuration: every exit names a
node of the flow, every node can be reached from `start`, queues, agents, flows and
mailboxes exist, a number can be dialled only through a trunk. Problems come back
as `Finding`s with their document path (`flows[0].nodes.menu.failure`); the loader
adds file and line. For a flow written in its own file, that is the flow file and
the line in it (`config/flowfiles.py`): the paths here are the same either way.

The prompt files are listed by `prompt_files`; the loader, which reads the disk,
checks them as it checks the hold music files.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from switchboard.flows import model as m
from switchboard.schema import DocPath, Finding

if TYPE_CHECKING:
    from switchboard.config.model import Tenant


def check_flows(tenant: Tenant) -> list[Finding]:
    findings: list[Finding] = []
    for index, flow in enumerate(tenant.flows):
        findings.extend(_flow(tenant, flow, ("flows", index)))
    return findings


def _flow(tenant: Tenant, flow: m.Flow, at: DocPath) -> Iterable[Finding]:
    if flow.start not in flow.nodes:
        yield Finding((*at, "start"), _unknown("node", flow.start, flow.nodes))
    for node_id, outcome, _ in flow.dangling():
        node = flow.nodes[node_id]
        target = dict(node.exits())[outcome]
        path = (*at, "nodes", node_id, *_outcome_path(outcome))
        yield Finding(path, _unknown("node", target, flow.nodes))
    if flow.start in flow.nodes:
        for node_id in flow.unreachable():
            yield Finding(
                (*at, "nodes", node_id),
                f"no path from start ({flow.start!r}) leads to this node; "
                "link it from another node or remove it",
            )
    mailboxes = _mailboxes(tenant)
    for node_id, node in flow.nodes.items():
        yield from _references(tenant, flow, node, (*at, "nodes", node_id), mailboxes)


def _outcome_path(outcome: str) -> DocPath:
    """`options.1` → ("options", "1", "next"); `branches.0` → ("branches", 0, "next")."""
    head, _, rest = outcome.partition(".")
    if head == "options":
        return ("options", rest, "next")
    if head == "branches":
        return ("branches", int(rest), "next")
    return (outcome,)


def _references(
    tenant: Tenant, flow: m.Flow, node: m.Node, at: DocPath, mailboxes: list[str]
) -> Iterable[Finding]:
    queues = [q.id for q in tenant.queues]
    agents = [a.id for a in tenant.agents]
    if isinstance(node, m.ToQueue) and node.queue not in queues:
        yield Finding((*at, "queue"), _unknown("queue", node.queue, queues))
    elif isinstance(node, m.ToAgent) and node.agent not in agents:
        yield Finding((*at, "agent"), _unknown("agent", node.agent, agents))
    elif isinstance(node, m.ToFlow):
        if node.flow not in tenant.flow_ids:
            yield Finding((*at, "flow"), _unknown("flow", node.flow, tenant.flow_ids))
        elif node.flow == flow.id:
            yield Finding((*at, "flow"), "a flow cannot jump to itself; link to its start node")
    elif isinstance(node, m.ToNumber) and tenant.trunk is None:
        yield Finding(
            (*at, "number"), "calls to numbers go out through the trunk: configure `trunk`"
        )
    elif (
        isinstance(node, m.ToVoicemail)
        and node.mailbox is not None
        and node.mailbox not in mailboxes
    ):
        yield Finding((*at, "mailbox"), _unknown("mailbox", node.mailbox, mailboxes))


def _mailboxes(tenant: Tenant) -> list[str]:
    """Every mailbox a call can be left in: the listed ones, each queue's, each
    agent's, and each flow's default."""
    boxes = [b.id for b in tenant.mailboxes]
    boxes += [q.mailbox or q.id for q in tenant.queues]
    boxes += [a.id for a in tenant.agents]
    boxes += [f.default_mailbox for f in tenant.flows]
    return list(dict.fromkeys(boxes))


def prompt_files(tenant: Tenant) -> Iterable[tuple[DocPath, str]]:
    """Every audio file the flows and mailboxes play, with where it is written; the
    loader checks that each exists and is a WAV we can play."""
    for index, flow in enumerate(tenant.flows):
        for node_id, node in flow.nodes.items():
            for field in ("prompt", "invalid", "no_input", "greeting", "message"):
                prompt = getattr(node, field, None)
                if isinstance(prompt, m.PromptSpec) and prompt.file is not None:
                    yield ("flows", index, "nodes", node_id, field, "file"), prompt.file
    for index, box in enumerate(tenant.mailboxes):
        if box.greeting_file is not None:
            yield ("mailboxes", index, "greeting_file"), box.greeting_file


def _unknown(kind: str, value: str, known: Iterable[str]) -> str:
    names = sorted(known)
    listed = ", ".join(repr(n) for n in names[:10]) if names else "none is defined"
    return f"there is no {kind} {value!r} (known: {listed})"
