// CRM contact cards, with Call back on each number (spec §6.3).

import { h } from "../dom.js";
import { empty } from "./common.js";

/**
 * @param {import("../state.js").Store} store
 * @param {{callBack: (contactId: string, number: string) => void}} actions
 */
export function contactsView(store, actions) {
  const contacts = store.config?.crm_contacts ?? [];
  const open = store.ui.openContact;
  return h(
    "section",
    { class: "module contacts", "aria-labelledby": "contacts-title" },
    h("h2", { id: "contacts-title", text: "Contacts" }),
    contacts.length === 0
      ? empty("There are no CRM contacts.")
      : h(
          "div",
          { class: "cards" },
          contacts.map((c) =>
            h(
              "article",
              { class: ["card", c.id === open && "is-open"], "aria-labelledby": `contact-${c.id}`, tabindex: c.id === open ? "-1" : null, dataset: { contact: c.id } },
              h("h3", { id: `contact-${c.id}`, text: c.name }),
              c.company ? h("p", { class: "muted", text: c.company }) : null,
              c.email ? h("p", { class: "muted", text: c.email }) : null,
              h(
                "ul",
                { class: "numbers" },
                c.numbers.map((n) =>
                  h(
                    "li",
                    {},
                    h("span", { text: n }),
                    h("button", {
                      type: "button",
                      class: "secondary small",
                      text: "Call back",
                      "aria-label": `Call back ${c.name} on ${n}`,
                      on: { click: () => actions.callBack(c.id, n) },
                    }),
                  ),
                ),
              ),
              c.cases?.length
                ? h(
                    "ul",
                    { class: "cases" },
                    c.cases.map((k) => h("li", { text: `${k.title} (${k.status})` })),
                  )
                : null,
            ),
          ),
        ),
  );
}
