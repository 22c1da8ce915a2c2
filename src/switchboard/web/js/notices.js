// What the agent is told besides the screen itself: toasts in the page, and the
// stream's `notification` messages (spec §9) turned into sounds, desktop
// notifications and toasts, and its `transfer` messages (the news of a transfer
// the agent started, which may end after the call left the screen).

import { h } from "./dom.js";
import { FAILURE_REASON, NOTIFICATION_TITLE, TRANSFER_STATUS } from "./labels.js";
import { party } from "./views/common.js";

/** A short message at the bottom of the page; errors are alerts. */
export function toast(text, kind = "info") {
  const box = document.getElementById("toasts");
  if (!box) return;
  const item = h(
    "div",
    { class: `toast toast--${kind}`, role: kind === "error" ? "alert" : "status" },
    h("span", { text }),
    h("button", { type: "button", class: "ghost small", "aria-label": "Dismiss", text: "✕", on: { click: () => item.remove() } }),
  );
  box.append(item);
  window.setTimeout(() => item.remove(), kind === "error" ? 10000 : 6000);
}

export class Notices {
  /**
   * @param {import("./state.js").Store} store
   * @param {import("./notify.js").Notifier} notifier
   * @param {{onMissed: () => void}} hooks
   */
  constructor(store, notifier, hooks) {
    this.store = store;
    this.notifier = notifier;
    this.hooks = hooks;
    /** An incoming call's notification comes just before the view that shows its
     * popup: it waits for it, to say who calls. */
    this.pendingIncoming = null;
  }

  /** A message of the stream other than the view (`notification`, `transfer`). */
  handle(message) {
    if (message.type === "notification") {
      if (message.kind === "incoming_call" && this.store.view.popup?.call_id !== message.call_id) {
        this.pendingIncoming = message;
        return;
      }
      this._notify(message);
    } else if (message.type === "transfer") {
      this._transfer(message);
    }
  }

  /** The popup changed: the incoming call's notification it waited for, if any. */
  onPopup() {
    const popup = this.store.view.popup;
    const pending = this.pendingIncoming;
    if (pending && popup?.call_id === pending.call_id) {
      this.pendingIncoming = null;
      this._notify(pending);
    }
  }

  _text(message) {
    const store = this.store;
    const title = NOTIFICATION_TITLE[message.kind] ?? "Switchboard";
    const call =
      store.view.calls?.find((c) => c.call_id === message.call_id) ?? store.seenCalls.get(message.call_id);
    const popup = store.view.popup?.call_id === message.call_id ? store.view.popup : null;
    // A colleague calling is named as the popup names it (a number alone otherwise).
    const named = (number) => {
      const colleague = store.colleague(number);
      return colleague ? `${colleague.name} (${number})` : number;
    };
    let body = "";
    if (popup) body = popup.contact_name ? `${popup.contact_name} (${popup.caller})` : named(popup.caller);
    else if (call) {
      const p = party(call, store);
      body = p.name ? `${p.name} (${p.number})` : p.number;
    } else if (message.detail?.caller) body = named(message.detail.caller);
    if (message.kind === "transfer_requested" && message.detail?.from_agent) {
      const mode = message.detail.mode === "attended" ? "attended" : "blind";
      body = `From ${store.userName(message.detail.from_agent)} (${mode})`;
    }
    return { title, body };
  }

  _notify(message) {
    const store = this.store;
    const text = this._text(message);
    this.notifier.handle(message, text);
    if (message.kind === "missed_call") {
      store.setUi({ missedUnseen: store.ui.module === "missed" ? 0 : store.ui.missedUnseen + 1 });
      toast(`Missed call${text.body ? ` from ${text.body}` : ""}.`, "warn");
      this.hooks.onMissed();
    } else if (message.kind === "transfer_requested") {
      toast(`Transfer requested. ${text.body}.`, "info");
    } else if (message.kind === "call_ended" && message.mode !== "sound") {
      toast(`Call ended${text.body ? ` with ${text.body}` : ""}.`, "info");
    }
  }

  _transfer(message) {
    const store = this.store;
    const known = store.ui.transfers[message.transfer_id] ?? {};
    const merged = {
      ...known,
      id: message.transfer_id,
      call_id: message.call_id,
      status: message.status,
      failure_reason: message.failure_reason,
    };
    store.setUi({ transfers: { ...store.ui.transfers, [message.transfer_id]: merged } });
    // A call still on screen shows its transfer's end in its banner; a call that
    // left (a blind transfer) is followed here. A completed transfer always takes
    // the call away, even when this message comes before the view that drops it (a
    // blind transfer to a queue or a Smart Routing completes at once): said here too.
    const onScreen = (store.view.calls ?? []).some((c) => c.call_id === message.call_id);
    const final = ["completed", "failed", "cancelled"].includes(message.status);
    if (message.status === "completed" || (!onScreen && final)) {
      let text = TRANSFER_STATUS[message.status] ?? message.status;
      if (message.failure_reason) text += `: ${FAILURE_REASON[message.failure_reason] ?? message.failure_reason}`;
      toast(`${text}.`, message.status === "failed" ? "error" : "info");
    }
  }
}
