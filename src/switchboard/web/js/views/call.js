// The active call panel (spec §3): the caller, the call timer, Mute my mic, Place on
// hold, the Phone keypad, the recording, Transfer, Hang up, and the Datas tab (the
// Smart Routing path and the variables it collected). With two calls (one active,
// one on hold) a switcher shows both, and Merge joins them in a 3-way call (§5).

import { h } from "../dom.js";
import {
  CALL_STATE,
  DIRECTION,
  FAILURE_REASON,
  TRANSFER_KIND,
  TRANSFER_STATUS,
} from "../labels.js";
import { colourChip, facts, party, partyLabel, since } from "./common.js";

const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"];
const FINAL = ["completed", "cancelled", "failed"];

/**
 * @typedef {{
 *   control: (callId: string, action: string) => Promise<void>,
 *   dtmf: (callId: string, digit: string) => Promise<void>,
 *   openTransfer: (callId: string) => void,
 *   completeTransfer: (transferId: string) => Promise<void>,
 *   cancelTransfer: (transferId: string) => Promise<void>,
 *   merge: () => Promise<void>,
 *   select: (callId: string) => void,
 *   toggleKeypad: (callId: string) => void,
 *   selectTab: (callId: string, tab: string) => void,
 * }} CallActions
 */

/** The call the panel shows: the one the agent picked, else the one not on hold. */
export function focusedCall(store) {
  const calls = store.view.calls ?? [];
  return (
    calls.find((c) => c.call_id === store.ui.selectedCall) ??
    calls.find((c) => c.state !== "held") ??
    calls[0] ??
    null
  );
}

/**
 * @param {import("../state.js").Store} store
 * @param {CallActions} actions
 */
export function callsView(store, actions) {
  const calls = store.view.calls ?? [];
  if (!calls.length) return null;
  const call = focusedCall(store);
  return h(
    "div",
    { class: "calls" },
    // Above the calls: a transfer's state concerns the customer's call even while
    // the agent talks on the consultation.
    calls.map((c) => transferBanner(store, c, actions)),
    calls.length > 1 ? switcher(store, calls, call, actions) : null,
    callPanel(store, call, actions),
  );
}

/** The transfer of `call` to show: the one in progress, else the last one that
 * ended (from the stream's `transfer` messages) until the agent dismisses it. */
function shownTransfer(store, call) {
  if (call.transfer) return call.transfer;
  const ended = Object.values(store.ui.transfers ?? {}).filter(
    (t) => t.call_id === call.call_id && FINAL.includes(t.status) && !t.dismissed,
  );
  return ended.at(-1) ?? null;
}

function switcher(store, calls, focused, actions) {
  const inConference = calls.some((c) => c.conference_id);
  const transferring = calls.some((c) => c.transfer && !FINAL.includes(c.transfer.status));
  const canMerge =
    calls.length === 2 && !inConference && !transferring && calls.some((c) => c.state === "held");
  return h(
    "section",
    { class: "switcher", "aria-label": "Your calls" },
    h(
      "ul",
      { class: "switcher-list" },
      calls.map((call) => {
        const who = party(call, store);
        const selected = call.call_id === focused?.call_id;
        return h(
          "li",
          { class: ["switcher-item", selected && "is-selected", call.state === "held" && "is-held"] },
          h(
            "button",
            {
              type: "button",
              class: "switcher-show",
              "aria-pressed": selected ? "true" : "false",
              dataset: { key: `show-${call.call_id}` },
              on: { click: () => actions.select(call.call_id) },
            },
            partyLabel(who.name, who.number),
            h("span", { class: `badge badge--${call.state}`, text: CALL_STATE[call.state] ?? call.state }),
          ),
          call.state === "held"
            ? h("button", {
                type: "button",
                class: "secondary",
                text: "Switch to this call",
                dataset: { key: `switch-${call.call_id}` },
                on: { click: () => actions.control(call.call_id, "resume").then(() => actions.select(call.call_id)) },
              })
            : null,
        );
      }),
    ),
    canMerge
      ? h("button", { type: "button", class: "primary", text: "Merge the calls", dataset: { key: "merge" }, on: { click: () => actions.merge() } })
      : null,
  );
}

/** What a party of a merged call is, beside its name. */
const PARTY_KIND = { customer: "Customer", agent: "Colleague", external: "External number" };

/** The other parties of a merged call (the view's `parties`, the agent left out),
 * or null when the call is not merged: its far end is then the `party`. */
function othersOnTheLine(store, call) {
  if (!call.conference_id || !call.parties) return null;
  const me = store.view.agent?.id;
  return call.parties.filter((p) => !(p.kind === "agent" && p.agent_id === me));
}

function partiesList(others) {
  return h(
    "ul",
    { class: "call-parties", "aria-label": "On the call" },
    others.map((p) =>
      h(
        "li",
        { class: "call-party" },
        partyLabel(p.name, p.number),
        h("span", { class: "muted", text: PARTY_KIND[p.kind] ?? p.kind }),
      ),
    ),
  );
}

function callPanel(store, call, actions) {
  // A merged call is named after everyone else on the line, whoever dialled whom:
  // a colleague who left is no longer named.
  const others = othersOnTheLine(store, call);
  const who = others
    ? { name: others.map((p) => p.name || p.number).join(", "), number: null }
    : party(call, store);
  const id = call.call_id;
  const tab = store.ui.callTab?.[id] ?? "call";
  const start = call.connected_at ?? call.answered_at;
  return h(
    "section",
    { class: `call call--${call.colour}`, "aria-labelledby": `call-title-${id}`, dataset: { call: id } },
    h(
      "header",
      { class: "call-head" },
      h(
        "div",
        { class: "call-who" },
        h("h2", { id: `call-title-${id}`, class: "call-name", text: who.name || who.number || "Unknown caller" }),
        h(
          "p",
          { class: "call-meta" },
          who.name && who.number ? h("span", { class: "call-number", text: who.number }) : null,
          call.queue_name ? h("span", { text: call.queue_name }) : null,
          h("span", { text: DIRECTION[call.direction] ?? call.direction }),
          colourChip(call.colour),
        ),
        others ? partiesList(others) : null,
      ),
      h(
        "div",
        { class: "call-clock" },
        h("span", { class: `badge badge--${call.state}`, text: CALL_STATE[call.state] ?? call.state }),
        start
          ? h("span", { class: "call-timer", role: "timer", "aria-label": "Call duration" }, since(start))
          : h("span", { class: "call-timer muted", text: "—" }),
      ),
    ),
    h(
      "div",
      { class: "tabs", role: "tablist", "aria-label": "Call details" },
      tabButton(id, "call", "Call", tab, actions),
      tabButton(id, "datas", "Datas", tab, actions),
    ),
    h(
      "div",
      { id: `tab-call-${id}`, role: "tabpanel", "aria-labelledby": `tabbtn-call-${id}`, hidden: tab !== "call", class: "tabpanel" },
      controls(store, call, actions),
      store.ui.keypadOpen?.[id] ? keypad(store, call, actions) : null,
    ),
    h(
      "div",
      { id: `tab-datas-${id}`, role: "tabpanel", "aria-labelledby": `tabbtn-datas-${id}`, hidden: tab !== "datas", class: "tabpanel" },
      datas(call),
    ),
  );
}

function tabButton(id, name, label, current, actions) {
  return h("button", {
    type: "button",
    role: "tab",
    id: `tabbtn-${name}-${id}`,
    "aria-selected": current === name ? "true" : "false",
    "aria-controls": `tab-${name}-${id}`,
    tabindex: current === name ? "0" : "-1",
    dataset: { key: `tab-${name}-${id}` },
    text: label,
    on: {
      click: () => actions.selectTab(id, name),
      keydown: (event) => {
        if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
          event.preventDefault();
          actions.selectTab(id, name === "call" ? "datas" : "call");
        }
      },
    },
  });
}

function controls(store, call, actions) {
  const id = call.call_id;
  const talking = ["connected", "held", "conference"].includes(call.state);
  const held = call.state === "held";
  const profile = store.view.agent?.profile ?? {};
  const button = (key, label, action, extra = {}) =>
    h("button", {
      type: "button",
      dataset: { key: `${key}-${id}` },
      text: label,
      on: { click: action },
      ...extra,
    });
  return h(
    "div",
    { class: "controls", role: "group", "aria-label": "Call controls" },
    button("mute", call.muted ? "Reactivate my mic" : "Mute my mic", () => actions.control(id, call.muted ? "unmute" : "mute"), {
      class: ["control", call.muted && "is-muted"],
      "aria-pressed": call.muted ? "true" : "false",
      disabled: !talking,
    }),
    button("hold", held ? "Exit the hold" : "Place on hold", () => actions.control(id, held ? "resume" : "hold"), {
      class: ["control", held && "is-held"],
      "aria-pressed": held ? "true" : "false",
      disabled: !(call.state === "connected" || held),
    }),
    button("keypad", "Phone keypad", () => actions.toggleKeypad(id), {
      class: "control",
      "aria-expanded": store.ui.keypadOpen?.[id] ? "true" : "false",
      "aria-controls": `keypad-${id}`,
      disabled: !talking,
    }),
    recording(profile, call, actions),
    consultation(store, call)
      ? null
      : button("transfer", "Transfer", () => actions.openTransfer(id), {
      class: "control",
      disabled: !(call.state === "connected" || held) || Boolean(call.transfer && !FINAL.includes(call.transfer.status)),
    }),
    button("hangup", "Hang up", () => actions.control(id, "hangup"), { class: "control danger" }),
  );
}

/** Whether `call` is the consultation of a transfer (the agent talking to its
 * destination first): it cannot itself be transferred. */
function consultation(store, call) {
  return (store.view.calls ?? []).some((c) => c.transfer?.consult_call_id === call.call_id);
}

function recording(profile, call, actions) {
  const id = call.call_id;
  if (call.recording_mode === "automatic" || call.recording?.automatic) {
    return h(
      "span",
      { class: ["recording-auto", call.recording && "is-recording"], role: "status" },
      h("span", { class: "rec-dot", "aria-hidden": "true" }),
      call.recording ? "Recorded automatically" : "Recorded automatically when connected",
    );
  }
  if (!profile.can_record || call.recording_mode === "off") return null;
  const on = Boolean(call.recording);
  return h(
    "button",
    {
      type: "button",
      class: ["control", "record", on && "is-recording"],
      "aria-pressed": on ? "true" : "false",
      dataset: { key: `record-${id}` },
      disabled: !["connected", "held", "conference"].includes(call.state),
      on: { click: () => actions.control(id, on ? "recording/stop" : "recording/start") },
    },
    h("span", { class: "rec-dot", "aria-hidden": "true" }),
    on ? "Stop the recording" : "Start the recording",
  );
}

function keypad(store, call, actions) {
  const id = call.call_id;
  const sent = store.ui.dtmfSent?.[id] ?? "";
  return h(
    "div",
    {
      id: `keypad-${id}`,
      class: "keypad",
      role: "group",
      "aria-label": "Phone keypad",
      on: {
        keydown: (event) => {
          if (KEYS.includes(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey) {
            event.preventDefault();
            actions.dtmf(id, event.key);
          } else if (event.key === "Escape") {
            // Closed like a dialog: the focus goes back to the button that opened it.
            event.preventDefault();
            actions.toggleKeypad(id);
            document.querySelector(`[data-key="keypad-${CSS.escape(id)}"]`)?.focus();
          }
        },
      },
    },
    h(
      "div",
      { class: "keypad-keys" },
      KEYS.map((key) =>
        h("button", {
          type: "button",
          class: "key",
          text: key,
          "aria-label": `Key ${key}`,
          dataset: { key: `key-${key}-${id}` },
          on: { click: () => actions.dtmf(id, key) },
        }),
      ),
    ),
    h(
      "p",
      { class: "keypad-sent", "aria-live": "polite" },
      h("span", { class: "muted", text: "Sent: " }),
      h("output", { class: "keypad-digits", "aria-label": "Tones sent", text: sent || "—" }),
    ),
  );
}

function transferBanner(store, call, actions) {
  const t = shownTransfer(store, call);
  if (!t) return null;
  const destination = t.kind ? destinationName(store, t.kind, t.destination) : "";
  const status = TRANSFER_STATUS[t.status] ?? t.status;
  const who = party(call, store);
  let text = t.kind
    ? `${status}: ${who.name || who.number} to ${TRANSFER_KIND[t.kind] ?? t.kind} ${destination} (${t.mode === "attended" ? "attended" : "blind"})`
    : `${status}: ${who.name || who.number}`;
  if (t.status === "failed" && t.failure_reason) text += ` — ${FAILURE_REASON[t.failure_reason] ?? t.failure_reason}`;
  if (t.status === "answered" && t.mode === "attended") text += ". Introduce the caller, then complete the transfer.";
  const final = FINAL.includes(t.status);
  return h(
    "div",
    { class: `transfer-banner transfer--${t.status}`, role: t.status === "failed" ? "alert" : "status" },
    h("span", { text }),
    h(
      "span",
      { class: "transfer-actions" },
      t.mode === "attended" && t.status === "answered"
        ? h("button", { type: "button", class: "primary", text: "Complete the transfer", dataset: { key: `complete-${t.id}` }, on: { click: () => actions.completeTransfer(t.id) } })
        : null,
      final
        ? h("button", { type: "button", class: "ghost small", text: "Dismiss", dataset: { key: `dismiss-${t.id}` }, on: { click: () => actions.dismissTransfer(t.id) } })
        : h("button", { type: "button", class: "secondary", text: "Cancel the transfer", dataset: { key: `cancel-${t.id}` }, on: { click: () => actions.cancelTransfer(t.id) } }),
    ),
  );
}

/** A transfer destination's name, from the configuration. */
export function destinationName(store, kind, destination) {
  const config = store.config;
  if (!config) return destination;
  if (kind === "user") return store.userName(destination);
  if (kind === "queue") return store.queueName(destination);
  if (kind === "directory") return config.directory.find((d) => d.id === destination)?.name ?? destination;
  if (kind === "flow") return (config.flows ?? []).find((f) => f.id === destination)?.name ?? destination;
  return destination;
}

function datas(call) {
  const path = call.flow_path ?? [];
  const variables = Object.entries(call.variables ?? {});
  return h(
    "div",
    { class: "datas" },
    h("h3", { text: "Smart Routing path" }),
    path.length
      ? h(
          "ol",
          { class: "flow-path" },
          path.map((step) => {
            // A step of the flow: {at, flow, node, type, label, outcome}.
            const title = step.label || step.node || step.type || "step";
            const kind = [step.type, step.flow].filter(Boolean).join(" in ");
            return h(
              "li",
              {},
              h("span", { class: "flow-step", text: String(title) }),
              kind ? h("span", { class: "muted", text: ` (${kind})` }) : null,
              step.outcome !== null && step.outcome !== undefined && step.outcome !== ""
                ? h("span", { class: "flow-outcome", text: ` → ${format(step.outcome)}` })
                : null,
            );
          }),
        )
      : h("p", { class: "empty", text: "This call did not go through a Smart Routing." }),
    h("h3", { text: "Variables" }),
    variables.length
      ? facts(variables.map(([k, v]) => [k, format(v)]), "facts variables")
      : h("p", { class: "empty", text: "No variables were collected." }),
  );
}

function format(value) {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}
