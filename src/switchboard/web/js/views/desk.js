// The desk: the central area (the active call panel, the post-call, or what the
// agent is waiting for) and, beside it, the queues the agent joins and New call.

import { h } from "../dom.js";
import { pauseReason } from "../labels.js";
import { callsView } from "./call.js";
import { postView } from "./post.js";

/**
 * @param {import("../state.js").Store} store
 * @param {any} actions every action of the call panel and the post-call, and
 *   `setStatus`, `join`, `leave`, `newCall`
 */
export function deskView(store, actions) {
  const central = callsView(store, actions) ?? postView(store, actions) ?? idle(store, actions);
  return h(
    "div",
    { class: "desk-grid" },
    h("div", { class: "desk-main" }, central),
    h("aside", { class: "desk-side", "aria-label": "Queues and new call" }, queues(store, actions), newCall(store, actions)),
  );
}

function idle(store, actions) {
  const agent = store.view.agent;
  let title;
  let text;
  let action = null;
  if (agent.state === "available") {
    title = "Waiting for calls";
    text = agent.joined_queues.length
      ? `Calls from ${agent.joined_queues.map((q) => store.queueName(q)).join(", ")} ring here as they come.`
      : "You are in no queue: only direct calls reach you. Join a queue to take its calls.";
  } else if (agent.state === "paused") {
    title = `Paused — ${pauseReason(agent.pause_reason)}`;
    text = "No calls are presented to you while you are paused.";
    action = h("button", { type: "button", class: "primary", text: "Go available", dataset: { key: "go-available" }, on: { click: () => actions.setStatus("available") } });
  } else if (agent.state === "presented") {
    title = "A call is ringing";
    text = "Accept or decline it in the popup.";
  } else {
    title = "You are logged out";
    text = "Go available to receive calls from your queues.";
    action = h("button", { type: "button", class: "primary", text: "Go available", dataset: { key: "go-available" }, on: { click: () => actions.setStatus("available") } });
  }
  return h(
    "section",
    { class: `idle idle--${agent.state}`, "aria-labelledby": "idle-title" },
    h("div", { class: "idle-art", "aria-hidden": "true" }),
    h("h2", { id: "idle-title", text: title }),
    h("p", { class: "muted", text }),
    action,
  );
}

function queues(store, actions) {
  const agent = store.view.agent;
  const supervisedOnly = agent.supervises.filter((q) => !agent.member_of.includes(q));
  return h(
    "section",
    { class: "card queues", "aria-labelledby": "queues-title" },
    h("h2", { id: "queues-title", text: "My queues" }),
    agent.member_of.length
      ? h(
          "ul",
          { class: "queue-list" },
          agent.member_of.map((id) => {
            const joined = agent.joined_queues.includes(id);
            const name = store.queueName(id);
            const loggedOut = agent.state === "logged_out";
            return h(
              "li",
              { class: ["queue", joined && "is-joined"] },
              h("span", { class: "queue-name", text: name }),
              h("span", { class: "queue-state", text: joined ? "Joined" : "Not joined" }),
              loggedOut ? null : h("button", {
                type: "button",
                class: joined ? "ghost small" : "secondary small",
                text: joined ? "Leave" : "Join",
                "aria-label": `${joined ? "Leave" : "Join"} ${name}`,
                dataset: { key: `queue-${id}` },
                on: { click: () => (joined ? actions.leave(id) : actions.join(id)) },
              }),
            );
          }),
        )
      : h("p", { class: "empty", text: "You are in no queue." }),
    agent.state === "logged_out" && agent.member_of.length
      ? h("p", { class: "muted small", text: "Go available or pause to join your queues." })
      : null,
    supervisedOnly.length
      ? h("p", { class: "muted small", text: `You supervise ${supervisedOnly.map((q) => store.queueName(q)).join(", ")}: its waiting calls are in Calls in pool.` })
      : null,
  );
}

function newCall(store, actions) {
  const calls = store.view.calls ?? [];
  let why = null;
  if (store.view.post_interaction) why = "End the post-call first.";
  else if (store.view.popup) why = "Answer or decline the ringing call first.";
  else if (calls.length >= 2) why = "You already have two calls.";
  else if (calls.some((c) => c.state !== "held")) why = "Put your call on hold to place another.";
  return h(
    "section",
    { class: "card", "aria-labelledby": "newcall-title" },
    h("h2", { id: "newcall-title", text: "Calls" }),
    h("button", {
      type: "button",
      class: "primary wide",
      text: "New call",
      dataset: { key: "new-call" },
      disabled: Boolean(why),
      "aria-describedby": why ? "newcall-why" : null,
      on: { click: actions.newCall },
    }),
    why ? h("p", { id: "newcall-why", class: "muted small", text: why }) : null,
  );
}
