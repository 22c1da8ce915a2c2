// Notification settings (spec §9): per type of notification, disabled, sound only,
// desktop only or both; sounds play in the page, desktop notifications need the
// browser's permission, asked for here (a browser asks only after a click).

import { h } from "../dom.js";
import { ANSWER_SHORTCUT } from "../focus.js";
import { NOTIFICATION, NOTIFICATION_MODE } from "../labels.js";

/**
 * @param {import("../state.js").Store} store
 * @param {{
 *   setPreference: (kind: string, mode: string) => void,
 *   allowDesktop: () => void,
 *   testSound: () => void,
 *   setDevice: (device: string) => void,
 * }} actions
 */
export function settingsView(store, actions) {
  const prefs = store.ui.preferences;
  const agent = store.view.agent;
  const permission = "Notification" in window ? Notification.permission : "unsupported";
  return h(
    "section",
    { class: "module settings", "aria-labelledby": "settings-title" },
    h("h2", { id: "settings-title", text: "Settings" }),
    h(
      "fieldset",
      { class: "prefs" },
      h("legend", { text: "Notifications" }),
      prefs
        ? h(
            "table",
            { class: "table prefs-table" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", { scope: "col", text: "Notification" }),
                Object.values(NOTIFICATION_MODE).map((label) => h("th", { scope: "col", text: label })),
              ),
            ),
            h(
              "tbody",
              {},
              Object.entries(NOTIFICATION).map(([kind, label]) =>
                h(
                  "tr",
                  { role: "radiogroup", "aria-label": label },
                  h("th", { scope: "row", text: label }),
                  Object.entries(NOTIFICATION_MODE).map(([mode, modeLabel]) =>
                    h(
                      "td",
                      {},
                      h("input", {
                        type: "radio",
                        name: `pref-${kind}`,
                        value: mode,
                        checked: prefs[kind] === mode,
                        "aria-label": `${label}: ${modeLabel}`,
                        dataset: { key: `pref-${kind}-${mode}` },
                        on: { change: () => actions.setPreference(kind, mode) },
                      }),
                    ),
                  ),
                ),
              ),
            ),
          )
        : h("p", { class: "muted", text: "Loading…" }),
      h(
        "div",
        { class: "prefs-actions" },
        h("button", { type: "button", class: "secondary", text: "Play the ringtone", on: { click: actions.testSound } }),
        permission === "granted"
          ? h("span", { class: "muted", text: "Desktop notifications are allowed." })
          : permission === "denied"
            ? h("span", { class: "muted", text: "Desktop notifications are blocked in this browser's site settings." })
            : permission === "unsupported"
              ? h("span", { class: "muted", text: "This browser has no desktop notifications." })
              : h("button", { type: "button", class: "secondary", text: "Allow desktop notifications", on: { click: actions.allowDesktop } }),
      ),
    ),
    h(
      "fieldset",
      { class: "device" },
      h("legend", { text: "Device" }),
      h("p", {
        text:
          agent?.device === "banner"
            ? "Your calls ring here, in the Banner: its softphone uses this computer's microphone and speakers."
            : "Your calls ring your SIP phone; answer from the Banner or from the phone.",
      }),
      // Offered when the server lets agents choose (PUT /api/v1/device).
      store.ui.routes?.has("/api/v1/device")
        ? h(
            "div",
            { class: "segmented", role: "radiogroup", "aria-label": "Take my calls" },
            [
              ["banner", "In the Banner (softphone)"],
              ["sip_phone", `On my SIP phone (ext. ${agent?.extension ?? ""})`],
            ].map(([value, label]) =>
              h(
                "label",
                { class: "segment" },
                h("input", {
                  type: "radio",
                  name: "device",
                  value,
                  checked: agent?.device === value,
                  dataset: { key: `device-${value}` },
                  on: { change: () => actions.setDevice(value) },
                }),
                h("span", { text: label }),
              ),
            ),
          )
        : null,
    ),
    h(
      "fieldset",
      { class: "keyboard" },
      h("legend", { text: "Keyboard" }),
      h(
        "dl",
        { class: "facts shortcuts" },
        h("dt", {}, h("kbd", { text: ANSWER_SHORTCUT })),
        h("dd", {
          text: "Go to the ringing call's Accept button, then Enter answers. A call never takes the focus by itself: typing elsewhere cannot answer it.",
        }),
        h("dt", {}, h("kbd", { text: "Escape" })),
        h("dd", { text: "Close a dialog or the phone keypad; the focus goes back to the button that opened it." }),
        h("dt", {}, h("kbd", { text: "Enter" })),
        h("dd", { text: "Apply the status chosen with the arrow keys in My status." }),
      ),
    ),
  );
}
