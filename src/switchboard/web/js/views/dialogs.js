// The two dialogs of the Banner: Transfer (spec §4) and New call (spec §6). Both are
// native <dialog> elements: modal, keyboard-trapped, closed with Escape.

import { h } from "../dom.js";
import { returnFocusOnClose } from "../focus.js";
import { TRANSFER_KIND } from "../labels.js";

/** Open `content` in a modal dialog; returns a function that closes it. */
export function openDialog(title, build) {
  const dialog = h("dialog", { class: "dialog", "aria-labelledby": "dialog-title" });
  const close = () => {
    dialog.close();
  };
  dialog.addEventListener("close", () => dialog.remove());
  dialog.append(
    h(
      "div",
      { class: "dialog-head" },
      h("h2", { id: "dialog-title", text: title }),
      h("button", { type: "button", class: "ghost", "aria-label": "Close", text: "✕", on: { click: close } }),
    ),
    build(close),
  );
  document.body.append(dialog);
  returnFocusOnClose(dialog);
  dialog.showModal();
  return close;
}

/** A searchable list of choices as radio buttons; `options` are {value, label, detail}. */
function picker(name, label, options, onPick) {
  const search = h("input", { type: "search", placeholder: "Search…", "aria-label": `Search ${label}`, class: "picker-search" });
  const list = h("div", { class: "picker-list", role: "radiogroup", "aria-label": label });
  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const shown = options.filter((o) => !q || `${o.label} ${o.detail ?? ""}`.toLowerCase().includes(q));
    list.replaceChildren(
      ...(shown.length
        ? shown.map((o) =>
            h(
              "label",
              { class: "picker-option" },
              h("input", { type: "radio", name, value: o.value, on: { change: () => onPick(o.value) } }),
              h("span", { class: "picker-label", text: o.label }),
              o.detail ? h("span", { class: "muted", text: o.detail }) : null,
            ),
          )
        : [h("p", { class: "empty", text: "Nothing matches." })]),
    );
  };
  search.addEventListener("input", draw);
  draw();
  return h("div", { class: "picker" }, search, list);
}

function kindTabs(kinds, current, onChange) {
  return h(
    "div",
    { class: "segmented", role: "radiogroup", "aria-label": "Destination" },
    kinds.map(([value, label]) =>
      h(
        "label",
        { class: "segment" },
        h("input", { type: "radio", name: "kind", value, checked: value === current, on: { change: () => onChange(value) } }),
        h("span", { text: label }),
      ),
    ),
  );
}

/**
 * @param {import("../state.js").Store} store
 * @param {string} callId
 * @param {(mode: string, kind: string, destination: string) => Promise<void>} start
 */
export function transferDialog(store, callId, start) {
  const config = store.config;
  const me = store.view.agent;
  const flows = config.flows ?? null;
  let kind = "user";
  let destination = "";
  openDialog("Transfer the call", (close) => {
    const body = h("div", { class: "dialog-body" });
    const error = h("p", { class: "form-error", role: "alert" });
    const blind = h("button", { type: "button", class: "primary", text: "Transfer and hang up" });
    const attended = h("button", { type: "button", class: "secondary", text: "Start the attended transfer" });
    const choices = h("div", { class: "dialog-choices" });
    const drawChoices = () => {
      destination = "";
      attended.disabled = kind === "flow";
      let content;
      if (kind === "user") {
        content = picker(
          "dest",
          "users",
          config.users.filter((u) => u.id !== me.id).map((u) => ({ value: u.id, label: u.name, detail: `Ext. ${u.extension}` })),
          (v) => { destination = v; },
        );
      } else if (kind === "queue") {
        content = picker("dest", "queues", config.queues.map((q) => ({ value: q.id, label: q.name })), (v) => { destination = v; });
      } else if (kind === "flow" && flows) {
        content = picker("dest", "Smart Routings", flows.map((f) => ({ value: f.id, label: f.name })), (v) => { destination = v; });
      } else if (kind === "directory") {
        content = picker(
          "dest",
          "the directory",
          config.directory.map((d) => ({ value: d.id, label: d.name, detail: [d.department, d.number].filter(Boolean).join(" · ") })),
          (v) => { destination = v; },
        );
      } else {
        // A number, or a Smart Routing by its id while the server does not list them.
        const input = h("input", {
          id: "transfer-destination",
          type: kind === "number" ? "tel" : "text",
          autocomplete: "off",
          on: { input: (e) => { destination = e.target.value.trim(); } },
        });
        content = h(
          "div",
          { class: "field" },
          h("label", { for: "transfer-destination", text: kind === "number" ? "Phone number" : "Smart Routing (its id)" }),
          input,
        );
        queueMicrotask(() => input.focus());
      }
      choices.replaceChildren(content);
    };
    const go = (mode) => async () => {
      error.textContent = "";
      if (!destination) {
        error.textContent = "Choose where to transfer the call first.";
        return;
      }
      blind.disabled = attended.disabled = true;
      try {
        await start(mode, kind, destination);
        close();
      } catch (e) {
        error.textContent = e.message;
      } finally {
        blind.disabled = false;
        attended.disabled = kind === "flow";
      }
    };
    blind.addEventListener("click", go("blind"));
    attended.addEventListener("click", go("attended"));
    drawChoices();
    body.append(
      kindTabs(Object.entries(TRANSFER_KIND), kind, (k) => { kind = k; drawChoices(); }),
      choices,
      error,
      h("div", { class: "dialog-actions" }, blind, attended),
    );
    return body;
  });
}

/**
 * @param {import("../state.js").Store} store
 * @param {(body: any) => Promise<void>} dial
 */
export function newCallDialog(store, dial) {
  const config = store.config;
  const me = store.view.agent;
  const flows = config.flows ?? null;
  const kinds = [
    ["number", "Make a call to a number"],
    ["extension", "Make a call to an extension"],
  ];
  if (me.profile.can_smart_outbound) kinds.push(["smart", "Through a Smart Routing"]);
  let kind = "number";
  openDialog("New call", (close) => {
    const body = h("form", { class: "dialog-body", on: { submit: (e) => e.preventDefault() } });
    const error = h("p", { class: "form-error", role: "alert" });
    const fields = h("div", { class: "dialog-choices" });
    const state = { number: "", extension: "", queue: "", flow: "" };
    const numberField = () => {
      const input = h("input", { id: "dial-number", type: "tel", autocomplete: "off", required: true, on: { input: (e) => { state.number = e.target.value.trim(); } } });
      queueMicrotask(() => input.focus());
      return h("div", { class: "field" }, h("label", { for: "dial-number", text: "Phone number" }), input);
    };
    const draw = () => {
      const parts = [];
      if (kind === "number" || kind === "smart") parts.push(numberField());
      if (kind === "number") {
        const queues = me.member_of.map((id) => store.queue(id)).filter(Boolean);
        if (queues.length) {
          parts.push(
            h(
              "div",
              { class: "field" },
              h("label", { for: "dial-queue", text: "Caller ID of queue" }),
              h(
                "select",
                { id: "dial-queue", on: { change: (e) => { state.queue = e.target.value; } } },
                h("option", { value: "", text: "My profile's caller ID" }),
                queues.map((q) => h("option", { value: q.id, text: q.name })),
              ),
            ),
          );
        }
      }
      if (kind === "smart") {
        parts.push(
          flows
            ? h("div", { class: "field" }, h("span", { class: "label", text: "Smart Routing" }), picker("flow", "Smart Routings", flows.map((f) => ({ value: f.id, label: f.name })), (v) => { state.flow = v; }))
            : h(
                "div",
                { class: "field" },
                h("label", { for: "dial-flow", text: "Smart Routing (its id)" }),
                h("input", { id: "dial-flow", autocomplete: "off", on: { input: (e) => { state.flow = e.target.value.trim(); } } }),
              ),
        );
      }
      if (kind === "extension") {
        parts.push(
          picker(
            "ext",
            "colleagues",
            config.users.filter((u) => u.id !== me.id).map((u) => ({ value: u.extension, label: u.name, detail: `Ext. ${u.extension}` })),
            (v) => { state.extension = v; },
          ),
        );
      }
      fields.replaceChildren(...parts);
    };
    const call = h("button", { type: "submit", class: "primary", text: "Call" });
    call.addEventListener("click", async () => {
      error.textContent = "";
      let request;
      if (kind === "extension") {
        if (!state.extension) { error.textContent = "Choose a colleague to call."; return; }
        request = { extension: state.extension };
      } else {
        if (!state.number) { error.textContent = "Enter the number to call."; return; }
        request = { number: state.number };
        if (kind === "number" && state.queue) request.queue_id = state.queue;
        if (kind === "smart") {
          if (!state.flow) { error.textContent = "Choose the Smart Routing to call through."; return; }
          request.flow_id = state.flow;
        }
      }
      call.disabled = true;
      try {
        await dial(request);
        close();
      } catch (e) {
        error.textContent = e.message;
      } finally {
        call.disabled = false;
      }
    });
    draw();
    body.append(kindTabs(kinds, kind, (k) => { kind = k; draw(); }), fields, error, h("div", { class: "dialog-actions" }, call));
    return body;
  });
}
