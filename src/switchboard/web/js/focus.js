// The keyboard focus, for an agent who works without a mouse.
//
// An incoming call never takes the focus: an agent typing a note, or pressing Enter
// or Space somewhere else, must not answer (or decline) a call by accident. The
// popup announces itself to screen readers (app.js), and Alt+Shift+A brings the
// focus to its Accept button; Enter then answers. Leaving the popup without
// answering (Decline, or the call going elsewhere) gives the focus back to where the
// agent was.
//
// Redrawing a region keeps the focus on the element with the same `data-key`
// (dom.js `replace`). When what had the focus is gone for good (the popup after
// Accept, the call after Hang up, the post-call after End), the focus lands on the
// heading of what is shown now, the call, the post-call or the module, instead of
// falling back to the top of the page.

export const ANSWER_SHORTCUT = "Alt+Shift+A";

/** Where the focus was before the shortcut brought it to the popup. */
let returnTo = null;

/** The focus is nowhere: on the body, where it falls when its element goes. */
function lost() {
  const active = document.activeElement;
  return !active || active === document.body;
}

/** The element that had the focus last, while the focus falls to the body only
 * because it was disabled (a button is, while its command runs). */
let lastFocused = null;
document.addEventListener("focusin", (event) => {
  lastFocused = event.target;
});
document.addEventListener("focusout", (event) => {
  if (!event.relatedTarget && !event.target.disabled) lastFocused = null;
});

/** Focus the first heading of `container` (or the main area when it has none). */
export function landIn(container) {
  const heading = container?.querySelector("h2");
  const target = heading ?? document.getElementById("main");
  if (!target) return;
  if (heading && !heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
  target.focus();
}

/**
 * Redraw `region` with `draw`; if the focus was in it and went with the old
 * content, call `land` (by default: the heading of what `region` shows now).
 * @param {HTMLElement} region
 * @param {() => void} draw
 * @param {(key: string | undefined) => void} [land] given the `data-key` of the
 *   element that had the focus
 */
export function redraw(region, draw, land = () => landIn(region)) {
  const active = lost() ? lastFocused : document.activeElement;
  const inside = region.contains(active);
  draw();
  if (inside && lost()) land(active instanceof HTMLElement ? active.dataset.key : undefined);
}

/** The popup went while it had the focus: to the call it gave (`module` shows
 * it), or back to where the agent was when it was declined. */
export function afterPopup(module, key) {
  const back = returnTo;
  returnTo = null;
  if (key === "popup-decline" && back) {
    const again = back.isConnected ? back : findKey(back.dataset.key);
    if (again instanceof HTMLElement) {
      again.focus();
      return;
    }
  }
  landIn(module);
}

function findKey(key) {
  return key ? document.querySelector(`[data-key="${CSS.escape(key)}"]`) : null;
}

/** Alt+Shift+A: the focus to the ringing call's Accept button (or, in the small
 * Banner, to what the popup offers). Only moves the focus: Enter answers. */
export function listenForShortcuts() {
  document.addEventListener("keydown", (event) => {
    if (!(event.altKey && event.shiftKey && !event.ctrlKey && !event.metaKey && event.code === "KeyA")) return;
    const popup = document.querySelector(".popup");
    const target = popup?.querySelector("[data-key='popup-accept']") ?? popup?.querySelector("button");
    if (!(target instanceof HTMLElement)) return;
    event.preventDefault();
    const active = document.activeElement;
    if (!popup.contains(active)) returnTo = active instanceof HTMLElement && active !== document.body ? active : null;
    target.focus();
  });
}

/**
 * Give the focus back to what opened a dialog once it closes: the element itself,
 * or the one with its `data-key` when a redraw replaced it meanwhile.
 * @param {HTMLDialogElement} dialog
 */
export function returnFocusOnClose(dialog) {
  const opener = document.activeElement;
  if (!(opener instanceof HTMLElement) || opener === document.body) return;
  const key = opener.dataset.key;
  dialog.addEventListener("close", () => {
    const again = opener.isConnected ? opener : findKey(key);
    if (again instanceof HTMLElement) again.focus();
  });
}
