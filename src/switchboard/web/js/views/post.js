// Post-call (spec §7): the queue's qualification form, tags, the CRM contact and
// case, the remaining and total time with Extend, and End the post-interaction.
// End checks the required fields here first, and says which one is missing: the
// server checks them too, but the agent should not have to wait for a refusal.

import { h } from "../dom.js";
import { duration } from "../time.js";
import { partyLabel, party, until } from "./common.js";

const EXTEND_BY = 30;

/**
 * @param {import("../state.js").Store} store
 * @param {{
 *   qualify: (fieldId: string, value: any) => void,
 *   setTags: (tags: string[]) => void,
 *   link: (contactId: string, caseId: string | null) => void,
 *   unlink: (contactId: string, caseId: string | null) => void,
 *   extend: (seconds: number) => void,
 *   end: () => void,
 *   openContact: (contactId: string) => void,
 * }} actions
 */
export function postView(store, actions) {
  const post = store.view.post_interaction;
  if (!post) return null;
  const config = store.config;
  const form = post.form_id ? store.form(post.form_id) : null;
  const drafts = store.ui.postDrafts ?? {};
  const values = { ...post.qualification, ...drafts };
  const calls = post.call_ids.map((id) => store.seenCalls.get(id)).filter(Boolean);
  const problem = store.ui.postProblem ?? "";

  return h(
    "section",
    { class: "post", "aria-labelledby": "post-title" },
    h(
      "header",
      { class: "post-head" },
      h(
        "div",
        {},
        h("h2", { id: "post-title", text: "Post-call" }),
        calls.length
          ? h(
              "p",
              { class: "post-calls" },
              "Call with ",
              calls.map((c) => {
                const who = party(c, store);
                return partyLabel(who.name, who.number);
              }),
              calls[0].queue_name ? h("span", { class: "muted", text: ` · ${calls[0].queue_name}` }) : null,
            )
          : h("p", { class: "post-calls muted", text: "Your last call has ended." }),
      ),
      h(
        "div",
        { class: "post-time", role: "timer", "aria-label": "Post-call time" },
        h("span", { class: "post-left" }, until(post.deadline_at)),
        h("span", { class: "muted", text: ` left of ${duration(post.total_seconds)}` }),
        h("button", {
          type: "button",
          class: "secondary",
          text: `Extend by ${EXTEND_BY} s`,
          dataset: { key: "post-extend" },
          on: { click: () => actions.extend(EXTEND_BY) },
        }),
      ),
    ),
    form ? qualification(form, values, actions, store.ui.postInvalid ?? []) : h("p", { class: "muted", text: "This call's queue has no qualification form." }),
    tagsBlock(config.tags, post.tags, actions),
    crmBlock(store, post, actions),
    h("p", { class: "form-error", role: "alert", id: "post-problem", text: problem }),
    h(
      "div",
      { class: "post-actions" },
      h("button", {
        type: "button",
        class: "primary",
        text: "End the post-interaction",
        dataset: { key: "post-end" },
        "aria-describedby": "post-problem",
        on: { click: () => actions.end() },
      }),
    ),
  );
}

/** The required fields of `form` that `values` leaves empty, by label. */
export function missingFields(form, values) {
  if (!form) return [];
  return form.fields.filter((f) => f.required && (values[f.id] === undefined || values[f.id] === null || values[f.id] === ""));
}

function qualification(form, values, actions, invalid) {
  return h(
    "fieldset",
    { class: "qualification" },
    h("legend", { text: form.name }),
    form.fields.map((field) => {
      const id = `q-${field.id}`;
      const label = h("label", { for: id }, field.label, field.required ? h("span", { class: "required", text: " (required)" }) : null);
      const common = {
        id,
        name: field.id,
        dataset: { key: id },
        "aria-required": field.required ? "true" : null,
        "aria-invalid": invalid.includes(field.id) ? "true" : null,
      };
      const value = values[field.id];
      let input;
      if (field.kind === "choice") {
        input = h(
          "select",
          { ...common, on: { change: (e) => actions.qualify(field.id, e.target.value || null) } },
          h("option", { value: "", text: "Choose…" }),
          field.options.map((o) => h("option", { value: o, text: o })),
        );
        input.value = value ?? "";
      } else if (field.kind === "boolean") {
        input = h("input", { ...common, type: "checkbox", checked: value === true, on: { change: (e) => actions.qualify(field.id, e.target.checked) } });
        return h("div", { class: "field field--check" }, input, label);
      } else if (field.kind === "number") {
        input = h("input", {
          ...common,
          type: "number",
          value: value ?? "",
          on: { change: (e) => actions.qualify(field.id, e.target.value === "" ? null : Number(e.target.value)) },
        });
      } else {
        input = h("textarea", { ...common, rows: "3", value: value ?? "", on: { change: (e) => actions.qualify(field.id, e.target.value || null) } });
      }
      return h("div", { class: "field" }, label, input);
    }),
  );
}

function tagsBlock(tags, selected, actions) {
  if (!tags.length) return null;
  return h(
    "fieldset",
    { class: "tags" },
    h("legend", { text: "Tags" }),
    h(
      "div",
      { class: "tag-list" },
      tags.map((tag) => {
        const on = selected.includes(tag.id);
        return h(
          "button",
          {
            type: "button",
            class: ["tag", on && "is-on"],
            "aria-pressed": on ? "true" : "false",
            dataset: { key: `tag-${tag.id}` },
            style: { "--tag-colour": tag.color },
            on: { click: () => actions.setTags(on ? selected.filter((t) => t !== tag.id) : [...selected, tag.id]) },
          },
          h("span", { class: "tag-dot", "aria-hidden": "true" }),
          tag.label,
        );
      }),
    ),
  );
}

function crmBlock(store, post, actions) {
  const contacts = store.config.crm_contacts;
  const linked = post.crm_links.map(({ contact_id, case_id }) => {
    const contact = store.contact(contact_id);
    const kase = contact?.cases?.find((c) => c.id === case_id);
    return h(
      "li",
      { class: "crm-link" },
      h(
        "button",
        { type: "button", class: "link", dataset: { key: `open-${contact_id}` }, on: { click: () => actions.openContact(contact_id) } },
        contact?.name ?? contact_id,
      ),
      kase ? h("span", { class: "muted", text: ` · case ${kase.title} (${kase.status})` }) : null,
      h("button", {
        type: "button",
        class: "ghost small",
        text: "Unlink",
        "aria-label": `Unlink ${contact?.name ?? contact_id}${kase ? `, case ${kase.title}` : ""}`,
        dataset: { key: `unlink-${contact_id}-${case_id ?? ""}` },
        on: { click: () => actions.unlink(contact_id, case_id) },
      }),
    );
  });
  const contactSelect = h(
    "select",
    { id: "crm-contact", dataset: { key: "crm-contact" } },
    h("option", { value: "", text: "Choose a contact…" }),
    contacts.map((c) => h("option", { value: c.id, text: c.name })),
  );
  const caseSelect = h("select", { id: "crm-case", dataset: { key: "crm-case" } }, h("option", { value: "", text: "No case" }));
  contactSelect.addEventListener("change", () => {
    const contact = store.contact(contactSelect.value);
    caseSelect.replaceChildren(
      h("option", { value: "", text: "No case" }),
      (contact?.cases ?? []).map((c) => h("option", { value: c.id, text: `${c.title} (${c.status})` })),
    );
  });
  return h(
    "fieldset",
    { class: "crm" },
    h("legend", { text: "CRM contact and case" }),
    linked.length ? h("ul", { class: "crm-links" }, linked) : h("p", { class: "empty", text: "No contact linked yet." }),
    h(
      "div",
      { class: "crm-add" },
      h("label", { for: "crm-contact", text: "Contact" }),
      contactSelect,
      h("label", { for: "crm-case", text: "Case" }),
      caseSelect,
      h("button", {
        type: "button",
        class: "secondary",
        text: "Link",
        dataset: { key: "crm-link" },
        on: { click: () => contactSelect.value && actions.link(contactSelect.value, caseSelect.value || null) },
      }),
    ),
  );
}
