// Post-call (spec §7): the queue's qualification form, tags, the CRM contact and
// case, the remaining and total time with Extend, and End the post-interaction.
// End checks the required fields here first, and says which one is missing: the
// server checks them too, but the agent should not have to wait for a refusal.
// Extend asks for no more than the profile still allows (`extension_left_seconds`),
// and says so once nothing is left. The header names the calls from the view's
// `post_interaction.calls`, so a reload during the post-call still says whom it is for.

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
  const calls = post.calls ?? post.call_ids.map((id) => store.seenCalls.get(id)).filter(Boolean);
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
        extendButton(post, actions),
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

/** Extend by 30 s, or by what is left of the profile's allowance; disabled, with
 * the reason beside it, once the allowance is used up. */
function extendButton(post, actions) {
  const left = post.extension_left_seconds ?? Infinity;
  const step = Math.min(EXTEND_BY, Math.floor(left));
  const button = h("button", {
    type: "button",
    class: "secondary",
    text: step > 0 ? `Extend by ${step} s` : "Extend",
    disabled: step <= 0,
    "aria-describedby": step <= 0 ? "post-extend-note" : null,
    dataset: { key: "post-extend" },
    on: { click: () => step > 0 && actions.extend(step) },
  });
  if (step > 0) return button;
  const allowed = post.max_extension_seconds ?? 0;
  return [
    button,
    h("span", {
      id: "post-extend-note",
      class: "post-extend-note muted",
      text: allowed > 0
        ? `You have added all the extra time your profile allows (${duration(allowed)}).`
        : "Your profile does not allow extending the post-call.",
    }),
  ];
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
  // The contact and case chosen but not linked yet live in the page's state: the
  // post-call is redrawn whenever the view changes (a tag set, Extend), and a choice
  // kept only in the elements would be dropped.
  const draft = () => {
    const kept = store.ui.crmDraft;
    return kept?.at === post.started_at ? kept : { at: post.started_at, contact: "", case: "" };
  };
  const keep = (changes) => store.setUi({ crmDraft: { ...draft(), ...changes } });
  const caseOptions = (contactId) => [
    h("option", { value: "", text: "No case" }),
    ...(store.contact(contactId)?.cases ?? []).map((c) => h("option", { value: c.id, text: `${c.title} (${c.status})` })),
  ];
  const chosen = draft();
  const contactSelect = h(
    "select",
    { id: "crm-contact", dataset: { key: "crm-contact" } },
    h("option", { value: "", text: "Choose a contact…" }),
    contacts.map((c) => h("option", { value: c.id, text: c.name })),
  );
  contactSelect.value = chosen.contact;
  const caseSelect = h("select", { id: "crm-case", dataset: { key: "crm-case" } }, caseOptions(chosen.contact));
  caseSelect.value = chosen.case;
  contactSelect.addEventListener("change", () => {
    keep({ contact: contactSelect.value, case: "" });
    caseSelect.replaceChildren(...caseOptions(contactSelect.value));
  });
  caseSelect.addEventListener("change", () => keep({ case: caseSelect.value }));
  const link = () => {
    if (!contactSelect.value) return;
    actions.link(contactSelect.value, caseSelect.value || null);
    keep({ contact: "", case: "" });
  };
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
        on: { click: link },
      }),
    ),
  );
}
