// The Voice module's Calls in pool (spec overview): the calls presented to me, the
// calls I handle, and the calls waiting in the queues I supervise, with Take this
// call for a waiting one.

import { h } from "../dom.js";
import { CALL_STATE, POOL_CATEGORY } from "../labels.js";
import { colourChip, empty, since } from "./common.js";

const ORDER = ["presented", "handled", "waiting"];

/**
 * @param {import("../state.js").Store} store
 * @param {{take: (callId: string) => Promise<void>}} actions
 */
export function poolView(store, actions) {
  const pool = store.view.pool ?? [];
  return h(
    "section",
    { class: "module pool", "aria-labelledby": "pool-title" },
    h("h2", { id: "pool-title", text: "Calls in pool" }),
    pool.length === 0
      ? empty("No calls right now. Calls presented to you, calls you handle and calls waiting in the queues you supervise appear here.")
      : h(
          "table",
          { class: "table" },
          h("caption", { class: "sr-only", text: "Calls in pool" }),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Caller", "Queue", "Type", "Status", "Waiting", ""].map((t) =>
                h("th", { scope: "col", text: t }, t ? null : h("span", { class: "sr-only", text: "Action" })),
              ),
            ),
          ),
          h(
            "tbody",
            {},
            [...pool]
              .sort((a, b) => ORDER.indexOf(a.category) - ORDER.indexOf(b.category))
              .map((entry) =>
                h(
                  "tr",
                  { dataset: { call: entry.call_id } },
                  h(
                    "td",
                    {},
                    h("span", { class: "party-name", text: entry.contact_name || entry.caller }),
                    entry.contact_name ? h("span", { class: "party-number", text: entry.caller }) : null,
                  ),
                  h("td", { text: store.queueName(entry.queue_id) || "—" }),
                  h("td", {}, colourChip(entry.colour)),
                  h(
                    "td",
                    {},
                    h("span", { class: "badge", text: POOL_CATEGORY[entry.category] ?? entry.category }),
                    entry.category !== "waiting" ? h("span", { class: "muted", text: ` ${CALL_STATE[entry.state] ?? entry.state}` }) : null,
                  ),
                  h("td", {}, entry.waiting_since_at && entry.category !== "handled" ? since(entry.waiting_since_at) : "—"),
                  h(
                    "td",
                    {},
                    entry.can_take
                      ? h("button", {
                          type: "button",
                          class: "primary small",
                          text: "Take this call",
                          "aria-label": `Take this call from ${entry.contact_name || entry.caller}`,
                          dataset: { key: `take-${entry.call_id}` },
                          on: { click: (e) => { e.target.disabled = true; actions.take(entry.call_id).finally(() => { e.target.disabled = false; }); } },
                        })
                      : null,
                  ),
                ),
              ),
          ),
        ),
  );
}
