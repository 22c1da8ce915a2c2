"""What points where in a tenant: ids, and the references between them.

Pydantic checks each value on its own (`offer_timeout` is positive); this module
checks the tenant as a whole, once its shape is valid: ids are unique, an agent's
profile exists, an overflow names a queue that exists and is not the queue itself,
an inbound number goes to exactly one place. A reference the core follows at run
time must not be able to dangle, so the file is refused instead.

It is a pure function of the `Tenant` (and of the names of the flow files, to name
them in messages): it returns findings with document paths and the loader gives
them their file and line. (The hold music files, the one check that
reads the disk, live in the loader.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from switchboard.config.errors import DocPath, Finding, format_path
from switchboard.config.model import (
    Device,
    FieldKind,
    Overflow,
    OverflowAction,
    Queue,
    Tenant,
)
from switchboard.flows.check import check_flows


def check_references(tenant: Tenant, flow_files: Mapping[int, str] | None = None) -> list[Finding]:
    """Every reference problem of `tenant`, in no particular order.

    `flow_files` names the file of each flow written in its own file, by index in
    `flows`, for the messages that point at another flow.
    """
    return [
        *_unique_ids(tenant),
        *_unique_flow_ids(tenant, flow_files or {}),
        *_unique_numbers(tenant),
        *_agents(tenant),
        *_queues(tenant),
        *_overflow_loops(tenant),
        *_inbound_numbers(tenant),
        *_forms(tenant),
        *_trunk(tenant),
        *_duplicates([b.id for b in tenant.mailboxes], ("mailboxes",), ("id",), _duplicate_id),
        *check_flows(tenant),
    ]


def _duplicates(
    values: Sequence[str],
    within: DocPath,
    then: DocPath,
    describe: Callable[[str, str], str],
) -> Iterable[Finding]:
    """One finding per repeated value, at `(*within, index, *then)`, naming the first."""
    first: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in first:
            earlier = format_path((*within, first[value], *then))
            yield Finding((*within, index, *then), describe(value, earlier))
        else:
            first[value] = index


def _duplicate_id(value: str, where: str) -> str:
    return f"duplicate id {value!r}: {where} has it already"


def _unique_ids(tenant: Tenant) -> Iterable[Finding]:
    sections: dict[str, Sequence[str]] = {
        "profiles": [p.id for p in tenant.profiles],
        "queues": [q.id for q in tenant.queues],
        "agents": [a.id for a in tenant.agents],
        "directory": [c.id for c in tenant.directory],
        "crm_contacts": [c.id for c in tenant.crm_contacts],
        "qualification_forms": [f.id for f in tenant.qualification_forms],
        "tags": [t.id for t in tenant.tags],
        "hold_music": [m.id for m in tenant.hold_music],
    }
    for section, ids in sections.items():
        yield from _duplicates(ids, (section,), ("id",), _duplicate_id)
    for f, form in enumerate(tenant.qualification_forms):
        yield from _duplicates(
            [field.id for field in form.fields],
            ("qualification_forms", f, "fields"),
            ("id",),
            _duplicate_id,
        )


def _unique_flow_ids(tenant: Tenant, flow_files: Mapping[int, str]) -> Iterable[Finding]:
    """As `_duplicates`, but the earlier flow is named by its file when it has one:
    `flows[0].id` would send the person to the tenant file, where that id is not."""
    first: dict[str, int] = {}
    for index, flow_id in enumerate(tenant.flow_ids):
        earlier = first.setdefault(flow_id, index)
        if earlier != index:
            where = flow_files.get(earlier) or format_path(("flows", earlier, "id"))
            yield Finding(("flows", index, "id"), _duplicate_id(flow_id, where))


def _unique_numbers(tenant: Tenant) -> Iterable[Finding]:
    yield from _duplicates(
        [a.extension for a in tenant.agents],
        ("agents",),
        ("extension",),
        lambda value, where: f"duplicate extension {value}: {where} has it already",
    )
    yield from _duplicates(
        [n.number for n in tenant.inbound_numbers],
        ("inbound_numbers",),
        ("number",),
        lambda value, where: f"duplicate number {value}: {where} routes it already",
    )


def _unknown(kind: str, value: str, known: Iterable[str]) -> str:
    """`unknown queue 'billing'; the queues are sales, support`."""
    names = sorted(set(known))
    if not names:
        return f"unknown {kind} {value!r}; no {kind} is defined"
    shown = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
    return f"unknown {kind} {value!r}; known: {shown}"


def _agents(tenant: Tenant) -> Iterable[Finding]:
    profiles = {p.id for p in tenant.profiles}
    queues = {q.id for q in tenant.queues}
    for a, agent in enumerate(tenant.agents):
        if agent.profile not in profiles:
            yield Finding(("agents", a, "profile"), _unknown("profile", agent.profile, profiles))
        for m, membership in enumerate(agent.queues):
            if membership.queue not in queues:
                yield Finding(
                    ("agents", a, "queues", m, "queue"),
                    _unknown("queue", membership.queue, queues),
                )
        yield from _duplicates(
            [membership.queue for membership in agent.queues],
            ("agents", a, "queues"),
            ("queue",),
            lambda value, where: f"already a member of queue {value!r} at {where}",
        )
        if agent.device is Device.SIP_PHONE and agent.sip is None:
            yield Finding(
                ("agents", a, "sip"),
                "an agent whose device is sip_phone needs sip credentials "
                "(`switchboard hash-password --sip-extension "
                f"{agent.extension}` prints them)",
            )
        for s, queue_id in enumerate(agent.supervises):
            if queue_id not in queues:
                yield Finding(("agents", a, "supervises", s), _unknown("queue", queue_id, queues))
        yield from _duplicates(
            agent.supervises,
            ("agents", a, "supervises"),
            (),
            lambda value, where: f"queue {value!r} is already listed at {where}",
        )


def _trunk(tenant: Tenant) -> Iterable[Finding]:
    trunk = tenant.trunk
    if trunk is None:
        return
    if trunk.password is not None and trunk.password_env is not None:
        yield Finding(("trunk", "password_env"), "give password or password_env, not both")
    has_secret = trunk.password is not None or trunk.password_env is not None
    if has_secret and trunk.username is None:
        yield Finding(("trunk", "username"), "a trunk password needs its username")
    if trunk.registration and not (trunk.username and has_secret):
        yield Finding(
            ("trunk", "registration"), "registering with the trunk needs username and password"
        )


def _queues(tenant: Tenant) -> Iterable[Finding]:
    forms = {f.id for f in tenant.qualification_forms}
    music = {m.id for m in tenant.hold_music}
    for q, queue in enumerate(tenant.queues):
        path: DocPath = ("queues", q)
        for name in ("overflow", "no_agent"):
            action: Overflow | None = getattr(queue, name)
            if action is not None:
                yield from _overflow(tenant, queue, action, (*path, name))
        yield from _overflow_limits(queue, path)
        if queue.qualification_form is not None and queue.qualification_form not in forms:
            yield Finding(
                (*path, "qualification_form"),
                _unknown("qualification form", queue.qualification_form, forms),
            )
        if queue.hold_music is not None and queue.hold_music not in music:
            yield Finding((*path, "hold_music"), _unknown("hold music", queue.hold_music, music))
        if queue.callback_key is not None and tenant.trunk is None:
            yield Finding(
                (*path, "callback_key"),
                "callbacks are placed through the trunk: configure `trunk`, or remove the key",
            )


def _overflow(tenant: Tenant, queue: Queue, action: Overflow, path: DocPath) -> Iterable[Finding]:
    target_path = (*path, "target")
    if action.action is OverflowAction.QUEUE:
        queues = [q.id for q in tenant.queues]
        if action.target is None:
            yield Finding(target_path, "required when action is queue: the id of the queue")
        elif action.target == queue.id:
            yield Finding(target_path, f"queue {queue.id!r} cannot overflow to itself")
        elif action.target not in queues:
            yield Finding(target_path, _unknown("queue", action.target, queues))
    elif action.action is OverflowAction.FLOW:
        if action.target is None:
            yield Finding(target_path, "required when action is flow: the id of the flow")
        elif action.target not in tenant.flow_ids:
            yield Finding(target_path, _unknown("flow", action.target, tenant.flow_ids))
    elif action.action is OverflowAction.HANGUP and action.target is not None:
        yield Finding(target_path, "a hangup has no target; remove it")


def _overflow_limits(queue: Queue, path: DocPath) -> Iterable[Finding]:
    """`overflow` and the limits that trigger it come together or not at all."""
    if queue.overflow is not None and queue.max_wait is None and queue.max_size is None:
        yield Finding(
            (*path, "overflow"),
            "overflow is set but neither max_wait nor max_size: say when calls overflow",
        )
    if queue.overflow is None:
        for name in ("max_wait", "max_size"):
            if getattr(queue, name) is not None:
                yield Finding(
                    (*path, name),
                    f"{name} is set but overflow is not: add an overflow saying where "
                    "these calls go",
                )


def _overflow_loops(tenant: Tenant) -> Iterable[Finding]:
    """Queues sending calls to each other in a circle: a call would never settle.

    Each queue has at most one target per kind (overflow, no_agent), so following
    targets from any queue either ends or enters one cycle; each cycle is reported
    once, on its first queue in the file.
    """
    order = {q.id: i for i, q in enumerate(tenant.queues)}
    for name in ("overflow", "no_agent"):
        edges: dict[str, str] = {}
        for queue in tenant.queues:
            action: Overflow | None = getattr(queue, name)
            if (
                action is not None
                and action.action is OverflowAction.QUEUE
                and action.target in order
                and action.target != queue.id  # reported as "cannot overflow to itself"
            ):
                edges[queue.id] = action.target
        reported: set[str] = set()
        for start in edges:
            chain = [start]
            while chain[-1] in edges and edges[chain[-1]] not in chain:
                chain.append(edges[chain[-1]])
            if chain[-1] not in edges:
                continue
            cycle = chain[chain.index(edges[chain[-1]]) :]
            if reported.intersection(cycle):
                continue
            reported.update(cycle)
            first = min(cycle, key=order.__getitem__)
            turn = cycle.index(first)
            loop = [*cycle[turn:], *cycle[:turn], first]
            yield Finding(
                ("queues", order[first], name, "target"),
                f"{name} loop: {' → '.join(loop)}; a call would go round these queues forever",
            )


def _inbound_numbers(tenant: Tenant) -> Iterable[Finding]:
    known = {
        "queue": [q.id for q in tenant.queues],
        "agent": [a.id for a in tenant.agents],
        "flow": tenant.flow_ids,
    }
    for n, inbound in enumerate(tenant.inbound_numbers):
        destinations = {
            kind: target
            for kind, target in (
                ("queue", inbound.queue),
                ("agent", inbound.agent),
                ("flow", inbound.flow),
            )
            if target is not None
        }
        if not destinations:
            yield Finding(
                ("inbound_numbers", n),
                "say where calls to this number go: set one of queue, agent or flow",
            )
        elif len(destinations) > 1:
            yield Finding(
                ("inbound_numbers", n),
                f"set only one of queue, agent or flow, not {' and '.join(destinations)}",
            )
        for kind, target in destinations.items():
            if target not in known[kind]:
                yield Finding(("inbound_numbers", n, kind), _unknown(kind, target, known[kind]))


def _forms(tenant: Tenant) -> Iterable[Finding]:
    for f, form in enumerate(tenant.qualification_forms):
        for i, field in enumerate(form.fields):
            path: DocPath = ("qualification_forms", f, "fields", i, "options")
            if field.kind is FieldKind.CHOICE and not field.options:
                yield Finding(path, "a choice field needs at least one option")
            elif field.kind is not FieldKind.CHOICE and field.options:
                yield Finding(path, f"only a choice field has options; this one is {field.kind}")
