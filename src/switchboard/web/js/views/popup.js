// The incoming call popup (spec §2): who calls, from which queue, how long they
// waited, who transfers the call and how; its colour tells the type of call; Accept
// or Decline before the countdown runs out.

import { h } from "../dom.js";
import { ANSWER_SHORTCUT } from "../focus.js";
import { COLOUR, TRANSFER_MODE } from "../labels.js";
import { now } from "../time.js";
import { facts, since, until } from "./common.js";

/**
 * @param {import("../state.js").Store} store
 * @param {{accept: (offerId: string) => Promise<void>, decline: (offerId: string) => Promise<void>}} actions
 */
export function popupView(store, actions) {
  const popup = store.view.popup;
  if (!popup) return null;
  const meaning = COLOUR[popup.colour] ?? { label: "Call" };
  // A colleague calling (internal) is named from the directory of users.
  const colleague = store.colleague(popup.caller);
  const name = popup.contact_name || colleague?.name || null;
  const total = Math.max(1, popup.deadline_at - popup.offered_at);
  const transfer = popup.transfer_from
    ? `From ${store.userName(popup.transfer_from)} (${TRANSFER_MODE[popup.transfer_mode] ?? popup.transfer_mode ?? "transfer"})`
    : null;

  const buttons = [];
  const act = (fn) => async (event) => {
    for (const b of buttons) b.disabled = true;
    try {
      await fn(popup.offer_id);
    } finally {
      if (event.target.isConnected) for (const b of buttons) b.disabled = false;
    }
  };
  const accept = h(
    "button",
    {
      type: "button",
      class: "popup-accept",
      dataset: { key: "popup-accept" },
      "aria-keyshortcuts": ANSWER_SHORTCUT,
      on: { click: act(actions.accept) },
    },
    h("span", { class: "icon", "aria-hidden": "true", text: "✓" }),
    "Accept",
  );
  const decline = h(
    "button",
    { type: "button", class: "popup-decline", dataset: { key: "popup-decline" }, on: { click: act(actions.decline) } },
    h("span", { class: "icon", "aria-hidden": "true", text: "✕" }),
    "Decline",
  );
  buttons.push(accept, decline);
  // The small Banner takes only the calls of queues that allow it (spec §1.1).
  const queue = popup.queue_id ? store.queue(popup.queue_id) : null;
  const onlyFull = store.ui.small && queue && !queue.small_banner;

  const progress = h("progress", {
    class: "popup-progress",
    max: "1",
    value: String(Math.max(0, popup.deadline_at - now()) / total),
    "aria-label": "Time left to answer",
    dataset: { until: String(popup.deadline_at), untilTotal: String(total) },
  });

  return h(
    "section",
    {
      class: `popup popup--${popup.colour}`,
      role: "alertdialog",
      "aria-labelledby": "popup-title",
      "aria-describedby": "popup-caller",
      dataset: { colour: popup.colour, offer: popup.offer_id },
    },
    h(
      "header",
      { class: "popup-head" },
      h("span", { class: "popup-kind", text: meaning.label }),
      h(
        "span",
        { class: "popup-countdown" },
        "Answer within ",
        until(popup.deadline_at, { seconds: true }),
      ),
    ),
    h("h2", { id: "popup-title", class: "popup-title", text: "Incoming call" }),
    h(
      "p",
      { id: "popup-caller", class: "popup-caller" },
      h("span", { class: "popup-name", text: name || popup.caller }),
      name ? h("span", { class: "popup-number", text: popup.caller }) : null,
    ),
    facts(
      [
        ["Queue", popup.queue_name],
        ["Wait time", popup.waiting_since_at ? since(popup.waiting_since_at) : null],
        ["Transfer", transfer],
        ["Call back", popup.callback],
        ["Answer", popup.auto_answer ? "Automatically (auto-answer)" : null],
      ],
      "facts popup-facts",
    ),
    progress,
    onlyFull
      ? h(
          "div",
          { class: "popup-actions" },
          h("p", { class: "popup-note", text: `${queue.name} calls are taken in the full Banner.` }),
          h("button", { type: "button", class: "popup-decline", text: "Open the full Banner", on: { click: actions.openFull } }),
        )
      : h("div", { class: "popup-actions" }, accept, decline),
  );
}
