// The agent's interaction history, with Call back on each entry (spec §6.3).

import { h } from "../dom.js";
import { DIRECTION } from "../labels.js";
import { duration, when } from "../time.js";
import { empty } from "./common.js";

/**
 * The other party of an entry, as the server names it: the CRM contact or the
 * caller's display name for a call received; the colleague, queue or directory
 * contact (else the CRM contact) for a call made; the colleague for an internal
 * call, whose callee may be a login (a consultation): its extension is shown.
 * @param {import("../state.js").Store} store
 * @param {any} r an entry of /api/v1/history
 */
export function otherParty(store, r) {
  if (r.direction === "inbound") return { name: r.crm_contact_name ?? r.caller_name ?? null, number: r.caller };
  if (r.direction === "outbound") return { name: r.callee_name ?? r.crm_contact_name ?? null, number: r.callee };
  if (r.caller !== store.view.agent?.extension) return { name: r.caller_name ?? null, number: r.caller };
  // The server names the colleague; its extension is shown, not a consultation's login.
  return { name: r.callee_name ?? null, number: store.colleague(r.callee)?.extension ?? r.callee };
}

/**
 * @param {import("../state.js").Store} store
 * @param {{callBack: (interactionId: string) => void, refresh: () => void}} actions
 */
export function historyView(store, actions) {
  const history = store.ui.history ?? [];
  const tz = store.config?.timezone;
  const me = store.view.agent;
  return h(
    "section",
    { class: "module history", "aria-labelledby": "history-title" },
    h(
      "div",
      { class: "module-head" },
      h("h2", { id: "history-title", text: "History" }),
      h("button", { type: "button", class: "ghost", text: "Refresh", on: { click: actions.refresh } }),
    ),
    history.length === 0
      ? empty("No calls yet.")
      : h(
          "ul",
          { class: "list" },
          history.map((r) => {
            const { name, number } = otherParty(store, r);
            const mine = r.agents.find((a) => a.agent_id === me?.id);
            const outcome = mine ? Object.values(mine.qualification ?? {}).join(", ") : "";
            return h(
              "li",
              { class: "list-item" },
              h(
                "div",
                { class: "list-main" },
                h("span", { class: "party-name", text: name ?? number }),
                name ? h("span", { class: "party-number", text: number }) : null,
              ),
              h(
                "div",
                { class: "list-meta" },
                h("span", { text: DIRECTION[r.direction] ?? r.direction }),
                r.queue_id ? h("span", { text: store.queueName(r.queue_id) }) : null,
                h("span", { text: `Talk ${duration(r.talk_seconds ?? 0)}` }),
                outcome ? h("span", { text: outcome }) : null,
                h("time", { datetime: new Date(r.created_at * 1000).toISOString(), text: when(r.created_at, tz) }),
              ),
              h("button", {
                type: "button",
                class: "secondary small",
                text: "Call back",
                "aria-label": `Call back ${name ?? number}`,
                on: { click: () => actions.callBack(r.id) },
              }),
            );
          }),
        ),
  );
}
