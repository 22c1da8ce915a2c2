// The top bar: who is signed in, their status (Available, Pause with a reason,
// Logged out), the connection to the server and the softphone.

import { h } from "../dom.js";
import { AGENT_STATE, pauseReason } from "../labels.js";

const BUSY_STATES = ["presented", "on_call", "post_interaction"];

/**
 * @param {import("../state.js").Store} store
 * @param {{setStatus: (state: string, reason?: string) => void, signOut: () => void}} actions
 */
export function statusBar(store, actions) {
  const agent = store.view.agent;
  const config = store.config;
  if (!agent || !config) return h("div");
  const reasons = [...config.pause_reasons];
  if (agent.pause_reason && !reasons.includes(agent.pause_reason)) reasons.push(agent.pause_reason);

  const current =
    agent.state === "paused" ? `paused:${agent.pause_reason ?? "break"}` : agent.state;
  const options = [
    h("option", { value: "available", text: "Available" }),
    ...reasons.map((r) => h("option", { value: `paused:${r}`, text: `Pause — ${pauseReason(r)}` })),
    h("option", { value: "logged_out", text: "Logged out" }),
  ];
  if (BUSY_STATES.includes(agent.state)) {
    options.unshift(h("option", { value: agent.state, text: AGENT_STATE[agent.state], disabled: true }));
  }
  const select = h(
    "select",
    {
      id: "status-select",
      class: `status-select status--${agent.state}`,
      "aria-label": "My status",
      dataset: { key: "status-select" },
      on: {
        change: (event) => {
          const [state, reason] = event.target.value.split(":");
          actions.setStatus(state, reason);
        },
      },
    },
    options,
  );
  select.value = current;

  const pending = agent.pending_pause
    ? h("span", { class: "pending-pause", text: `Pause (${pauseReason(agent.pending_pause)}) after this call` })
    : null;

  const connection = {
    live: ["Connected", "ok"],
    connecting: ["Connecting…", "wait"],
    reconnecting: ["Reconnecting…", "warn"],
    stopped: ["Offline", "warn"],
  }[store.ui.connection] ?? ["", "wait"];

  const softphone = softphoneLabel(agent.device, store.ui.softphone);

  return h(
    "div",
    { class: "topbar-inner" },
    h(
      "div",
      { class: "brand" },
      h("span", { class: "brand-mark small", "aria-hidden": "true" }),
      h("span", { class: "brand-name", text: "Switchboard" }),
      h("span", { class: "brand-company", text: config.company }),
    ),
    h(
      "div",
      { class: "status-area" },
      h("span", { class: `status-dot status--${agent.state}`, "aria-hidden": "true" }),
      select,
      pending,
      agent.state === "paused" || BUSY_STATES.includes(agent.state)
        ? h("span", { class: "state-since muted", title: "Time in this status", dataset: { since: String(agent.state_since_at) } })
        : null,
    ),
    h(
      "div",
      { class: "topbar-right" },
      h("span", { class: `pill pill--${connection[1]}`, role: "status", "aria-label": `Server: ${connection[0]}`, text: connection[0] }),
      softphone ? h("span", { class: `pill pill--${softphone[1]}`, role: "status", "aria-label": `Softphone: ${softphone[0]}`, text: softphone[0] }) : null,
      h(
        "span",
        { class: "identity" },
        h("span", { class: "identity-name", text: agent.name }),
        h("span", { class: "identity-ext", text: `Ext. ${agent.extension}` }),
      ),
      smallBannerAllowed(store)
        ? h("button", {
            type: "button",
            class: "ghost",
            text: "Small Banner",
            "aria-pressed": store.ui.small ? "true" : "false",
            title: "A compact Banner: the popup and your calls only",
            dataset: { key: "small-banner" },
            on: { click: actions.toggleSmall },
          })
        : null,
      h("button", { type: "button", class: "ghost", text: "Sign out", on: { click: actions.signOut } }),
    ),
  );
}

function softphoneLabel(device, state) {
  if (device !== "banner") return ["SIP phone", "muted"];
  return {
    connecting: ["Softphone connecting…", "wait"],
    connected: ["Softphone ready", "ok"],
    reconnecting: ["Softphone reconnecting…", "warn"],
    unavailable: ["Softphone unavailable", "muted"],
    blocked: ["Microphone blocked", "warn"],
    off: ["Softphone off", "muted"],
  }[state] ?? ["Softphone", "muted"];
}

/** The small Banner is offered when one of the agent's queues allows it. */
export function smallBannerAllowed(store) {
  const agent = store.view.agent;
  return Boolean(agent && agent.member_of.some((id) => store.queue(id)?.small_banner));
}
