// The top bar: who is signed in, their status (Available, Pause with a reason,
// Logged out), the connection to the server and the softphone.

import { h, srOnly } from "../dom.js";
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
      "aria-describedby": "status-help",
      on: {
        // A closed list changes its value with each arrow key: the keyboard only
        // picks a status, Enter applies it and Escape (or leaving) puts the current
        // one back, so that going from Logged out to Available does not pass through
        // every pause. A choice made in the open list applies at once.
        keydown: (event) => {
          if (event.key === "Enter") {
            event.preventDefault(); // Enter applies; it does not open the list
            if (select.value !== current) apply();
          } else if (event.key === "Escape") {
            revert();
          } else if (event.key !== "Tab" && !event.altKey) {
            picking = true;
            window.setTimeout(() => { picking = false; });
          }
        },
        change: () => {
          if (picking) hint.hidden = select.value === current;
          else apply();
        },
        blur: () => revert(),
      },
    },
    options,
  );
  select.value = current;
  let picking = false;
  const hint = h("span", { class: "status-hint", text: "Press Enter to apply", hidden: true });
  const apply = () => {
    hint.hidden = true;
    const [state, reason] = select.value.split(":");
    actions.setStatus(state, reason);
  };
  const revert = () => {
    select.value = current;
    hint.hidden = true;
  };

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
      h("h1", { class: "brand-name" }, "Switchboard", srOnly(" Banner")),
      h("span", { class: "brand-company", text: config.company }),
    ),
    h(
      "div",
      { class: "status-area" },
      h("span", { class: `status-dot status--${agent.state}`, "aria-hidden": "true" }),
      select,
      h("span", { id: "status-help", class: "sr-only", text: "Choose with the arrow keys, then press Enter." }),
      hint,
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
