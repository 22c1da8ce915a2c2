"""A tenant in a few lines of text, for people starting the demo.

Someone running `make run` for the first time wants to see what the demo contact
center holds: which queues, who answers them, which numbers to dial. This module
turns a `Tenant` into those lines; printing them is the caller's business.
"""

from __future__ import annotations

from switchboard.config.model import Agent, Device, InboundNumber, Queue, Tenant


def describe_tenant(tenant: Tenant) -> list[str]:
    """Queues with their agents and supervisors, agents with profiles, numbers."""
    lines = [
        f"{tenant.settings.company}: {len(tenant.queues)} queues, {len(tenant.agents)} agents, "
        f"{len(tenant.inbound_numbers)} inbound numbers, {len(tenant.flows)} Smart Routing "
        f"flow{'s' if len(tenant.flows) != 1 else ''}",
        "",
        "Queues:",
    ]
    for queue in tenant.queues:
        lines.extend(_queue(tenant, queue))
    lines += ["", "Agents:"]
    width = max((len(agent.id) for agent in tenant.agents), default=0)
    for agent in tenant.agents:
        lines.append(_agent(tenant, agent, width))
    lines += ["", "Inbound numbers:"]
    lines += [
        f"  {number.number:<16} → {_destination(number)}" for number in tenant.inbound_numbers
    ]
    return lines


def _queue(tenant: Tenant, queue: Queue) -> list[str]:
    lines = [f"  {queue.id} ({queue.name}), {queue.strategy}, recording {queue.recording}"]
    members = [
        (membership, agent)
        for agent in tenant.agents
        for membership in agent.queues
        if membership.queue == queue.id
    ]
    members.sort(key=lambda pair: (pair[0].priority, -pair[0].skill_level, pair[1].id))
    for membership, agent in members:
        lines.append(
            f"    {agent.id} ({agent.name}): tier {membership.priority}, "
            f"skill {membership.skill_level}"
        )
    if not members:
        lines.append("    no agents")
    supervisors = [agent.id for agent in tenant.agents if queue.id in agent.supervises]
    if supervisors:
        lines.append(f"    supervised by {', '.join(supervisors)}")
    return lines


def _agent(tenant: Tenant, agent: Agent, width: int) -> str:
    profile = tenant.profile(agent.profile)
    rights = [
        name
        for name, granted in (
            ("auto-answer", profile.auto_answer),
            ("can record", profile.can_record),
            ("smart outbound", profile.can_smart_outbound),
        )
        if granted
    ]
    if agent.device is Device.SIP_PHONE:
        rights.append("SIP phone")
    details = f" ({', '.join(rights)})" if rights else ""
    return (
        f"  {agent.id:<{width}}  ext {agent.extension}  {agent.name}, profile {profile.id}{details}"
    )


def _destination(number: InboundNumber) -> str:
    if number.queue is not None:
        return f"queue {number.queue}"
    if number.agent is not None:
        return f"agent {number.agent}"
    return f"flow {number.flow}"
