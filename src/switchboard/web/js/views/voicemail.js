// The voice mailboxes the agent may read (spec §8): each message with a player,
// its transcription, and whether somebody heard it.

import { h } from "../dom.js";
import { duration, when } from "../time.js";
import { empty } from "./common.js";

const TRANSCRIPTION = {
  pending: "Transcription in progress…",
  failed: "The message could not be transcribed.",
  disabled: "No transcription for this mailbox.",
};

/** `list` with `message` in it (replacing its older version), newest first: a
 * message announced by the stream, or changed since the list was loaded. */
export function withVoicemail(list, message) {
  return [...list.filter((m) => m.id !== message.id), message].sort((a, b) => b.created_at - a.created_at);
}

/** The players, one per message, kept across redraws: redrawing the list (the
 * message just marked heard) must not stop the one playing. */
const players = new Map();

function player(message, actions) {
  let audio = players.get(message.id);
  if (!audio) {
    audio = h("audio", { controls: true, preload: "none", src: actions.audioUrl(message.id) });
    audio.addEventListener("play", () => {
      if (!audio.dataset.heard) actions.heard(message.id);
    });
    players.set(message.id, audio);
  }
  audio.dataset.heard = message.heard_at ? "1" : "";
  audio.setAttribute("aria-label", `Message from ${message.caller_name ?? message.caller}`);
  return audio;
}

/**
 * @param {import("../state.js").Store} store
 * @param {{heard: (id: string) => void, refresh: () => void, audioUrl: (id: string) => string}} actions
 */
export function voicemailView(store, actions) {
  const messages = store.ui.voicemails ?? [];
  const boxes = store.ui.mailboxes ?? [];
  const tz = store.config?.timezone;
  return h(
    "section",
    { class: "module voicemail", "aria-labelledby": "voicemail-title" },
    h(
      "div",
      { class: "module-head" },
      h("h2", { id: "voicemail-title", text: "Voicemail" }),
      h("button", { type: "button", class: "ghost", text: "Refresh", on: { click: actions.refresh } }),
    ),
    boxes.length
      ? h(
          "p",
          { class: "muted" },
          boxes.map((b, i) => [i ? " · " : "", `${b.name}: ${b.unheard} new`]),
        )
      : null,
    messages.length === 0
      ? empty(boxes.length ? "No messages." : "You have no mailbox to read.")
      : h(
          "ul",
          { class: "list" },
          messages.map((m) => {
            const audio = player(m, actions);
            return h(
              "li",
              { class: ["list-item", "voicemail-item", !m.heard_at && "is-new"], dataset: { voicemail: m.id } },
              h(
                "div",
                { class: "list-main" },
                h("span", { class: "party-name", text: m.caller_name ?? m.caller }),
                m.caller_name ? h("span", { class: "party-number", text: m.caller }) : null,
              ),
              h(
                "div",
                { class: "list-meta" },
                h("span", { text: m.mailbox_name }),
                h("span", { text: duration(m.duration_seconds ?? 0) }),
                h("time", { datetime: new Date(m.created_at * 1000).toISOString(), text: when(m.created_at, tz) }),
                h("span", { class: m.heard_at ? "muted" : "badge", text: m.heard_at ? "Heard" : "New" }),
              ),
              audio,
              h("blockquote", {
                class: "transcription",
                text: m.transcription || TRANSCRIPTION[m.transcription_status] || "No transcription.",
              }),
              m.heard_at
                ? null
                : h("button", { type: "button", class: "ghost small", text: "Mark as heard", on: { click: () => actions.heard(m.id) } }),
            );
          }),
        ),
  );
}
