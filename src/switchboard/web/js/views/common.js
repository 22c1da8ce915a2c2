// Small pieces shared by the views.

import { h } from "../dom.js";
import { COLOUR } from "../labels.js";

/**
 * The other party of a call, as the agent thinks of it: a name (CRM contact,
 * colleague or the caller's display name) and a number.
 * @param {any} call a call of the view (`calls[]`)
 * @param {import("../state.js").Store} store
 */
export function party(call, store) {
  const contact = call.crm_contact_id ? store.contact(call.crm_contact_id) : null;
  if (call.direction === "internal") {
    const mine = store.view.agent?.extension;
    const other = call.caller === mine ? call.callee : call.caller;
    // A consultation names the colleague by login, other internal calls by extension.
    const user = store.colleague(other);
    return { name: user?.name ?? null, number: user?.extension ?? other };
  }
  if (call.direction === "outbound") {
    return { name: contact?.name ?? null, number: call.callee };
  }
  return { name: contact?.name ?? call.caller_name ?? null, number: call.caller };
}

/** A name over its number; the number alone when there is no name. */
export function partyLabel(name, number, { tag = "span", className = "" } = {}) {
  return h(
    tag,
    { class: ["party", className] },
    h("span", { class: "party-name", text: name || number || "Unknown caller" }),
    name && number ? h("span", { class: "party-number", text: number }) : null,
  );
}

/** The colour chip with its meaning (the colour is never the only cue). */
export function colourChip(colour) {
  const meaning = COLOUR[colour];
  if (!meaning) return null;
  return h(
    "span",
    { class: `chip chip--${colour}` },
    h("span", { class: "chip-dot", "aria-hidden": "true" }),
    meaning.label,
  );
}

/** A definition list from [term, description] pairs, skipping empty ones. */
export function facts(pairs, className = "facts") {
  return h(
    "dl",
    { class: className },
    pairs
      .filter(([, value]) => value !== null && value !== undefined && value !== "")
      .map(([term, value]) => [h("dt", { text: term }), h("dd", {}, value)]),
  );
}

/** A ticking duration since `at` (epoch seconds). */
export function since(at, label) {
  return h("span", { class: "ticking", dataset: { since: String(at) }, "aria-label": label ?? null });
}

/** A ticking countdown until `at`. */
export function until(at, { seconds = false, label } = {}) {
  return h("span", {
    class: "ticking",
    dataset: seconds ? { until: String(at), format: "seconds" } : { until: String(at) },
    "aria-label": label ?? null,
  });
}

export function empty(text) {
  return h("p", { class: "empty", text });
}
