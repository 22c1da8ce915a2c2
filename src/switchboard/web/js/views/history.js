// The agent's interaction history, with Call back on each entry (spec §6.3).

import { h } from "../dom.js";
import { DIRECTION } from "../labels.js";
import { duration, when } from "../time.js";
import { empty } from "./common.js";

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
            const contact = r.crm_contact_id ? store.contact(r.crm_contact_id) : null;
            let other = r.direction === "inbound" ? r.caller : r.callee;
            if (r.direction === "internal") other = r.caller === me?.extension ? r.callee : r.caller;
            const mine = r.agents.find((a) => a.agent_id === me?.id);
            const outcome = mine ? Object.values(mine.qualification ?? {}).join(", ") : "";
            return h(
              "li",
              { class: "list-item" },
              h(
                "div",
                { class: "list-main" },
                h("span", { class: "party-name", text: contact?.name ?? other }),
                contact ? h("span", { class: "party-number", text: other }) : null,
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
                "aria-label": `Call back ${contact?.name ?? other}`,
                on: { click: () => actions.callBack(r.id) },
              }),
            );
          }),
        ),
  );
}
