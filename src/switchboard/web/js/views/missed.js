// Missed calls (spec §8): offers the agent declined or let expire, newest first.

import { h } from "../dom.js";
import { MISSED_REASON } from "../labels.js";
import { when } from "../time.js";
import { empty } from "./common.js";

/**
 * @param {import("../state.js").Store} store
 * @param {{callBack: (entry: any) => void, refresh: () => void}} actions
 */
export function missedView(store, actions) {
  const missed = store.ui.missed ?? [];
  const tz = store.config?.timezone;
  return h(
    "section",
    { class: "module missed", "aria-labelledby": "missed-title" },
    h(
      "div",
      { class: "module-head" },
      h("h2", { id: "missed-title", text: "Missed calls" }),
      h("button", { type: "button", class: "ghost", text: "Refresh", on: { click: actions.refresh } }),
    ),
    missed.length === 0
      ? empty("No missed calls.")
      : h(
          "ul",
          { class: "list" },
          missed.map((m) => {
            const contact = m.crm_contact_id ? store.contact(m.crm_contact_id) : null;
            // A colleague's call is named after the colleague, as its popup was.
            const colleague = contact ? null : store.colleague(m.caller);
            const name = contact?.name ?? colleague?.name ?? null;
            return h(
              "li",
              { class: "list-item", dataset: { missed: m.id } },
              h(
                "div",
                { class: "list-main" },
                h("span", { class: "party-name", text: name ?? m.caller }),
                name ? h("span", { class: "party-number", text: m.caller }) : null,
              ),
              h(
                "div",
                { class: "list-meta" },
                h("span", { text: MISSED_REASON[m.reason] ?? m.reason }),
                m.queue_id ? h("span", { text: store.queueName(m.queue_id) }) : null,
                h("time", { datetime: new Date(m.at * 1000).toISOString(), text: when(m.at, tz) }),
              ),
              h("button", {
                type: "button",
                class: "secondary small",
                text: "Call back",
                "aria-label": `Call back ${name ?? m.caller}`,
                on: { click: () => actions.callBack(m) },
              }),
            );
          }),
        ),
  );
}
