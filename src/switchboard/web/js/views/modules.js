// The Banner's modules (the Desk, Calls in pool, Missed calls…), the views that
// draw them, what to load when one opens, and the navigation between them with
// the count of what is new in each.

import { api } from "../api.js";
import { h } from "../dom.js";
import { contactsView } from "./contacts.js";
import { deskView } from "./desk.js";
import { historyView } from "./history.js";
import { missedView } from "./missed.js";
import { poolView } from "./pool.js";
import { settingsView } from "./settings.js";
import { voicemailView } from "./voicemail.js";

/**
 * @param {import("../state.js").Store} store
 * @param {any} actions the app's actions
 * @returns {{id: string, label: string, view: () => HTMLElement, load?: () => void}[]}
 */
export function modules(store, actions) {
  return [
    { id: "desk", label: "Desk", view: () => deskView(store, actions) },
    { id: "pool", label: "Calls in pool", view: () => poolView(store, actions) },
    {
      id: "missed",
      label: "Missed calls",
      view: () => missedView(store, { callBack: actions.callBackMissed, refresh: actions.refreshMissed }),
      load: () => actions.refreshMissed(),
    },
    {
      id: "history",
      label: "History",
      view: () => historyView(store, { callBack: actions.callBackHistory, refresh: actions.refreshHistory }),
      load: () => actions.refreshHistory(),
    },
    { id: "contacts", label: "Contacts", view: () => contactsView(store, { callBack: actions.callBackContact }) },
    {
      id: "voicemail",
      label: "Voicemail",
      view: () =>
        voicemailView(store, { heard: actions.heard, refresh: actions.refreshVoicemail, audioUrl: api.voicemailAudio }),
      load: () => actions.refreshVoicemail(),
    },
    { id: "settings", label: "Settings", view: () => settingsView(store, actions), load: () => actions.loadPreferences() },
  ];
}

/** How many new things a module holds, for its badge. */
function badge(store, id) {
  if (id === "pool") return (store.view.pool ?? []).filter((p) => p.category === "waiting").length;
  if (id === "missed") return store.ui.missedUnseen;
  if (id === "voicemail") return (store.ui.mailboxes ?? []).reduce((n, b) => n + b.unheard, 0);
  return 0;
}

/**
 * @param {import("../state.js").Store} store
 * @param {{id: string, label: string}[]} list
 * @param {(id: string) => void} open
 */
export function navView(store, list, open) {
  return h(
    "ul",
    {},
    list.map((m) => {
      const count = badge(store, m.id);
      return h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: "nav-item",
            "aria-current": store.ui.module === m.id ? "page" : null,
            dataset: { key: `nav-${m.id}` },
            on: { click: () => open(m.id) },
          },
          h("span", { text: m.label }),
          count ? h("span", { class: "nav-badge", text: String(count), "aria-label": `${count} new` }) : null,
        ),
      );
    }),
  );
}
