// Building the screen without markup strings: every text, above all what callers
// send us (numbers, display names), goes in as a text node, never as HTML.

/**
 * Create an element. `props` keys: `class`, `text` (textContent), `on` (event
 * handlers), `dataset`, `style` (an object), `hidden`, `value`, `checked`,
 * `disabled`, anything else becomes an attribute (`aria-*`, `role`, `type`…;
 * `null`/`false` leave it out, `true` sets it empty). Children are nodes or
 * strings (strings become text nodes); arrays are flattened, null/false skipped.
 * @param {string} tag
 * @param {Record<string, any>} [props]
 * @param {...any} children
 * @returns {HTMLElement}
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "on") for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "style") for (const [name, v] of Object.entries(value)) el.style.setProperty(name, v);
    else if (key === "value" || key === "checked" || key === "disabled" || key === "hidden" || key === "selected") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/** @param {Node} parent @param {any[]} children */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replace the content of `root`, keeping the keyboard focus on the element with the
 * same `data-key` (a re-render must not throw the agent's focus back to the top)
 * and the values typed into fields with a `data-key`.
 * @param {HTMLElement} root @param {...any} children
 */
export function replace(root, ...children) {
  const active = document.activeElement;
  const focusKey = active instanceof HTMLElement && root.contains(active) ? active.dataset.key : undefined;
  root.replaceChildren();
  append(root, children);
  if (focusKey) {
    const again = root.querySelector(`[data-key="${CSS.escape(focusKey)}"]`);
    if (again instanceof HTMLElement) again.focus({ preventScroll: true });
  }
}

/** A visually hidden label for screen readers. */
export function srOnly(text) {
  return h("span", { class: "sr-only", text });
}
