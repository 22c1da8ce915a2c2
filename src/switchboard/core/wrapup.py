"""Post-interaction (spec §7): qualify, tag and link the call, then become available.

When an agent's last call ends, it enters `post_interaction` for the queue's
wrap-up duration (or its profile's). Meanwhile it fills the queue's qualification
form, tags the call and links CRM contacts and cases; it may extend the time (up to
its profile's limit) or end early, which needs every required field. At the
deadline the phase ends anyway, required fields or not: an agent is never stuck.
Each call's record is persisted with the outcome *before* the agent is released.
"""

from __future__ import annotations

import math

from switchboard.config.model import FieldKind, FormField, QualificationForm
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.agent import Agent, AgentState, PostInteraction
from switchboard.core.call import AgentLeg, Call
from switchboard.core.center import ContactCenter, handles, on_timer
from switchboard.core.errors import CommandRejected, Reason
from switchboard.core.records import CrmLink

MAX_TEXT = 2000


def _leg(call: Call, agent_id: str) -> AgentLeg | None:
    for leg in reversed(call.past_agents):
        if leg.agent_id == agent_id:
            return leg
    return None


def start_post_interaction(cc: ContactCenter, agent: Agent) -> None:
    call_ids, agent.unwrapped = agent.unwrapped, []
    calls = [cc.calls[cid] for cid in call_ids]
    queue_cfg = next((cc.queues[c.queue_id].config for c in calls if c.queue_id is not None), None)
    duration = (queue_cfg.wrap_up if queue_cfg else None) or agent.profile.post_interaction
    for call in calls:
        leg = _leg(call, agent.id)
        if leg is not None:
            leg.post_started_at = cc.now
    post = agent.post_interaction
    if post is None:
        post = PostInteraction(
            call_ids=call_ids,
            started_at=cc.now,
            deadline=cc.now + duration,
            base_duration=duration,
            form_id=queue_cfg.qualification_form if queue_cfg else None,
        )
        for call in calls:
            if call.crm_contact_id and (call.crm_contact_id, None) not in post.crm_links:
                post.crm_links.append((call.crm_contact_id, None))
        agent.post_interaction = post
    else:
        # A recalled call ended during an open post-interaction: one wrap-up covers both.
        post.call_ids.extend(c for c in call_ids if c not in post.call_ids)
        post.deadline = max(post.deadline, cc.now + duration)
    cc.arm("post", agent.id, post.deadline)
    cc.set_agent_state(agent, AgentState.POST_INTERACTION)


def _post(cc: ContactCenter, agent_id: str) -> tuple[Agent, PostInteraction]:
    agent = cc.logged_in_agent(agent_id)
    if agent.post_interaction is None:
        raise CommandRejected(Reason.NOT_IN_POST_INTERACTION, "you are not in post-interaction")
    return agent, agent.post_interaction


def _form(cc: ContactCenter, post: PostInteraction) -> QualificationForm:
    form = cc.directory.forms.get(post.form_id) if post.form_id else None
    if form is None:
        raise CommandRejected(
            Reason.NO_QUALIFICATION_FORM, "this call's queue has no qualification form"
        )
    return form


def _check_value(f: FormField, value: object) -> None:
    def bad(why: str) -> CommandRejected:
        return CommandRejected(Reason.INVALID_FIELD_VALUE, f"{f.label}: {why}")

    if f.kind is FieldKind.CHOICE:
        if not isinstance(value, str) or value not in f.options:
            raise bad(f"choose one of {', '.join(f.options)}")
    elif f.kind is FieldKind.TEXT:
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise bad(f"must be text of at most {MAX_TEXT} characters")
    elif f.kind is FieldKind.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad("must be a number")
        if not math.isfinite(value):
            raise bad("must be a finite number")
    elif not isinstance(value, bool):
        raise bad("must be true or false")


@handles(cmd.SetQualification)
def set_qualification(cc: ContactCenter, c: cmd.SetQualification) -> None:
    _, post = _post(cc, c.agent_id)
    form = _form(cc, post)
    fields = {f.id: f for f in form.fields}
    for key, value in c.values.items():
        f = fields.get(key)
        if f is None:
            raise CommandRejected(
                Reason.UNKNOWN_FIELD, f"{key!r} is not a field of the form {form.name!r}"
            )
        if value is not None:
            _check_value(f, value)
    for key, value in c.values.items():
        if value is None or value == "":
            post.qualification.pop(key, None)
        else:
            post.qualification[key] = value


@handles(cmd.SetTags)
def set_tags(cc: ContactCenter, c: cmd.SetTags) -> None:
    _, post = _post(cc, c.agent_id)
    unknown = [t for t in c.tags if t not in cc.directory.tags]
    if unknown:
        raise CommandRejected(Reason.UNKNOWN_TAG, f"unknown tag(s): {', '.join(unknown)}")
    post.tags = list(dict.fromkeys(c.tags))


@handles(cmd.LinkCrm, cmd.UnlinkCrm)
def link_crm(cc: ContactCenter, c: cmd.LinkCrm | cmd.UnlinkCrm) -> None:
    _, post = _post(cc, c.agent_id)
    contact = cc.directory.crm.get(c.contact_id)
    if contact is None:
        raise CommandRejected(Reason.UNKNOWN_CONTACT, f"there is no CRM contact {c.contact_id!r}")
    if c.case_id is not None and c.case_id not in {case.id for case in contact.cases}:
        raise CommandRejected(Reason.UNKNOWN_CASE, f"{contact.name} has no case {c.case_id!r}")
    link = (c.contact_id, c.case_id)
    if isinstance(c, cmd.LinkCrm):
        if link not in post.crm_links:
            post.crm_links.append(link)
    elif link in post.crm_links:
        post.crm_links.remove(link)


@handles(cmd.ExtendPostInteraction)
def extend(cc: ContactCenter, c: cmd.ExtendPostInteraction) -> None:
    agent, post = _post(cc, c.agent_id)
    if not (0 < c.seconds <= 3600) or not math.isfinite(c.seconds):
        raise CommandRejected(Reason.INVALID_DURATION, "extend by 1 second to 1 hour")
    left = extension_left(agent, post)
    if c.seconds > left + 1e-9:
        limit = agent.profile.max_post_interaction_extension
        raise CommandRejected(
            Reason.EXTENSION_LIMIT,
            f"you can extend by {left:.0f} more seconds at most ({limit:.0f} s in all)",
        )
    post.extended_by += c.seconds
    post.deadline += c.seconds
    cc.arm("post", agent.id, post.deadline)
    cc.agent_changed(agent)


def missing_required(cc: ContactCenter, post: PostInteraction) -> list[str]:
    form = cc.directory.forms.get(post.form_id) if post.form_id else None
    if form is None:
        return []
    return [f.label for f in form.fields if f.required and f.id not in post.qualification]


@handles(cmd.EndPostInteraction)
def end(cc: ContactCenter, c: cmd.EndPostInteraction) -> None:
    agent, post = _post(cc, c.agent_id)
    missing = missing_required(cc, post)
    if missing:
        raise CommandRejected(
            Reason.REQUIRED_FIELD_MISSING, f"fill in the required field(s): {', '.join(missing)}"
        )
    finish(cc, agent, expired=False)


@on_timer("post")
def post_deadline(cc: ContactCenter, agent_id: str) -> None:
    agent = cc.agents[agent_id]
    if agent.post_interaction is not None:
        finish(cc, agent, expired=True)


def finish(cc: ContactCenter, agent: Agent, *, expired: bool) -> None:
    """Close the post-interaction: persist each call's record, then release the agent."""
    post = agent.post_interaction
    assert post is not None
    cc.disarm("post", agent.id)
    links = tuple(CrmLink(contact, case) for contact, case in post.crm_links)
    missing = missing_required(cc, post)
    calls = [cc.calls[cid] for cid in post.call_ids if cid in cc.calls]
    for call in calls:
        leg = _leg(call, agent.id)
        if leg is not None:
            leg.post_ended_at = cc.now
            # The consultation of an attended transfer shares the wrap-up, not the
            # customer's outcome: a sale would count twice in the reports.
            if not call.consultation:
                leg.qualification = dict(post.qualification)
            leg.tags = tuple(post.tags)
            leg.crm_links = links
        call.log(cc.now, "post_interaction_ended", agent.id, expired=expired, missing=missing)
    agent.post_interaction = None
    for call in calls:
        cc.emit(fx.PersistInteraction(cc.record(call)))
    for call in calls:
        cc.retire_if_done(call)
    if agent.state is AgentState.POST_INTERACTION:
        cc.make_available(agent)


def extension_left(agent: Agent, post: PostInteraction) -> float:
    """How many seconds Extend may still add to `post`: the profile's limit, less
    what the agent has added already (never below 0)."""
    return max(0.0, agent.profile.max_post_interaction_extension - post.extended_by)
