// The Banner: the agent's web desktop.
//
// Theory of operation. The server owns every state; the Banner shows it and sends
// the agent's commands. After login, /api/v1/config says what the tenant has
// (queues, users, forms, tags…) and the event stream sends the agent's view: a
// snapshot, then the sections that changed (see api.js, state.js). Views are plain
// functions from the store to elements (views/*.js), redrawn when a section they
// show changes; running times tick in place (time.js). A command's answer is not
// applied to the screen: the stream brings the change, so the screen always shows
// the server's latest state, whichever tab or script caused it.

import { ApiError, EventStream, api } from "./api.js";
import { h, replace } from "./dom.js";
import { Notices, toast } from "./notices.js";
import { Notifier } from "./notify.js";
import { Softphone } from "./softphone.js";
import { ANSWER_SHORTCUT, afterPopup, listenForShortcuts, redraw } from "./focus.js";
import { Store } from "./state.js";
import { startTicking, tick } from "./time.js";
import { newCallDialog, transferDialog } from "./views/dialogs.js";
import { loginView } from "./views/login.js";
import { modules, navView } from "./views/modules.js";
import { missingFields } from "./views/post.js";
import { popupView } from "./views/popup.js";
import { smallBannerAllowed, statusBar } from "./views/statusbar.js";
import { withVoicemail } from "./views/voicemail.js";

const HINT = "switchboard.signed-in";
/** Whether this browser signed in before: only then is the session worth asking for
 * (asking without one is a 401, an error in the console for nothing). */
const hint = {
  get: () => localStorage.getItem(HINT) === "1",
  set: () => localStorage.setItem(HINT, "1"),
  clear: () => localStorage.removeItem(HINT),
};

const store = new Store();
const root = /** @type {HTMLElement} */ (document.getElementById("app"));
const notifier = new Notifier();
const softphone = new Softphone({ onState: (state) => store.setUi({ softphone: state }) });
/** @type {EventStream | null} */
let stream = null;
let regions = null;

// -- messages to the agent -------------------------------------------------------------

/** Run a command; a refusal is shown to the agent (the server's words): as news
 * when the state moved on meanwhile (a race: the offer expired as the agent
 * clicked Accept), else as an error. */
async function attempt(fn) {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ApiError) {
      if (error.status === 401) return signedOut("Your session ended: sign in again.");
      toast(error.message, error.race ? "warn" : "error");
      return undefined;
    }
    throw error;
  }
}

// -- actions -----------------------------------------------------------------------------

const actions = {
  setStatus: (state, reason) => attempt(() => api.status(state, reason)),
  join: (queueId) => attempt(() => api.join(queueId)),
  leave: (queueId) => attempt(() => api.leave(queueId)),
  accept: (offerId) => attempt(() => api.accept(offerId)),
  decline: (offerId) => attempt(() => api.decline(offerId)),
  take: (callId) =>
    attempt(async () => {
      await api.take(callId);
      store.setUi({ module: "desk" });
    }),
  control: (callId, action) => attempt(() => api.control(callId, action)),
  dtmf: (callId, digit) =>
    attempt(async () => {
      await api.dtmf(callId, digit);
      const sent = { ...(store.ui.dtmfSent ?? {}) };
      sent[callId] = `${sent[callId] ?? ""}${digit}`;
      store.setUi({ dtmfSent: sent });
    }),
  toggleKeypad: (callId) => {
    const open = { ...(store.ui.keypadOpen ?? {}) };
    open[callId] = !open[callId];
    store.setUi({ keypadOpen: open });
    if (open[callId]) document.querySelector(`#keypad-${CSS.escape(callId)} .key`)?.focus();
  },
  selectTab: (callId, tab) => {
    store.setUi({ callTab: { ...(store.ui.callTab ?? {}), [callId]: tab } });
    document.getElementById(`tabbtn-${tab}-${callId}`)?.focus();
  },
  select: (callId) => store.setUi({ selectedCall: callId }),
  merge: () => attempt(() => api.merge()),
  openTransfer: (callId) =>
    transferDialog(store, callId, async (mode, kind, destination) => {
      await api.transfer(callId, mode, kind, destination);
    }),
  completeTransfer: (transferId) => attempt(() => api.completeTransfer(transferId)),
  dismissTransfer: (transferId) => {
    const t = store.ui.transfers[transferId];
    if (t) store.setUi({ transfers: { ...store.ui.transfers, [transferId]: { ...t, dismissed: true } } });
  },
  cancelTransfer: (transferId) => attempt(() => api.cancelTransfer(transferId)),
  newCall: () =>
    newCallDialog(store, async (body) => {
      await api.dial(body);
    }),
  // post-call: each change is saved at once; End waits for the saves.
  qualify: (fieldId, value) => {
    store.setUi({ postDrafts: { ...(store.ui.postDrafts ?? {}), [fieldId]: value }, postProblem: "", postInvalid: [] });
    saving = saving.then(() => attempt(() => api.qualify({ [fieldId]: value })));
  },
  setTags: (tags) => attempt(() => api.tags(tags)),
  link: (contactId, caseId) => attempt(() => api.link(contactId, caseId)),
  unlink: (contactId, caseId) => attempt(() => api.unlink(contactId, caseId)),
  extend: (seconds) => attempt(() => api.extend(seconds)),
  end: async () => {
    const post = store.view.post_interaction;
    if (!post) return;
    const form = post.form_id ? store.form(post.form_id) : null;
    const missing = missingFields(form, { ...post.qualification, ...(store.ui.postDrafts ?? {}) });
    if (missing.length) {
      store.setUi({
        postProblem: `Fill in the required field${missing.length > 1 ? "s" : ""} first: ${missing.map((f) => f.label).join(", ")}.`,
        postInvalid: missing.map((f) => f.id),
      });
      document.getElementById(`q-${missing[0].id}`)?.focus();
      return;
    }
    await saving;
    await attempt(() => api.endPost());
  },
  openContact: (contactId) => {
    store.setUi({ module: "contacts", openContact: contactId });
    document.querySelector(`[data-contact="${CSS.escape(contactId)}"]`)?.focus();
  },
  // lists
  refreshMissed: () => attempt(async () => store.setUi({ missed: await api.missed() })),
  refreshHistory: () => attempt(async () => store.setUi({ history: await api.history() })),
  refreshVoicemail: () =>
    attempt(async () => {
      const [mailboxes, voicemails] = await Promise.all([api.mailboxes(), api.voicemails()]);
      store.setUi({ mailboxes, voicemails });
    }),
  heard: (voicemailId) =>
    attempt(async () => {
      await api.heard(voicemailId);
      await actions.refreshVoicemail();
    }),
  callBackMissed: (entry) =>
    attempt(async () => {
      const body = /^\+?\d{3,}$/.test(entry.caller) && entry.caller.length > 6 ? { number: entry.caller } : { extension: entry.caller };
      if (body.number && entry.queue_id && store.view.agent.member_of.includes(entry.queue_id)) body.queue_id = entry.queue_id;
      if (body.number && entry.crm_contact_id) body.crm_contact_id = entry.crm_contact_id;
      await api.dial(body);
      store.setUi({ module: "desk" });
    }),
  callBackHistory: (interactionId) =>
    attempt(async () => {
      await api.callBackHistory(interactionId);
      store.setUi({ module: "desk" });
    }),
  callBackContact: (contactId, number) =>
    attempt(async () => {
      await api.callBackContact(contactId, number);
      store.setUi({ module: "desk" });
    }),
  // settings
  loadPreferences: () => attempt(async () => store.setUi({ preferences: await api.preferences() })),
  setPreference: (kind, mode) =>
    attempt(async () => store.setUi({ preferences: await api.setPreference(kind, mode) })),
  allowDesktop: async () => {
    await notifier.askDesktopPermission();
    renderModule();
  },
  testSound: () => notifier.testRing(),
  setDevice: (device) => attempt(() => api.setDevice(device)),
  toggleSmall: () => setSmall(!store.ui.small),
  openFull: () => setSmall(false),
  signOut: async () => {
    const view = store.view;
    if ((view.calls ?? []).length || view.post_interaction) {
      toast("Finish your calls and the post-call before signing out.", "error");
      return;
    }
    if (view.agent && view.agent.state !== "logged_out") await attempt(() => api.status("logged_out"));
    await softphone.stop();
    await api.logout().catch(() => {});
    signedOut();
  },
};
let saving = Promise.resolve();
const notices = new Notices(store, notifier, { onMissed: () => actions.refreshMissed() });

const SMALL = "switchboard.small-banner";
/** The small Banner: the popup and the calls only, in a narrow window. */
function setSmall(on) {
  if (on) localStorage.setItem(SMALL, "1");
  else localStorage.removeItem(SMALL);
  document.body.classList.toggle("small", on);
  store.setUi({ small: on, module: "desk" });
  renderPopup();
}

// -- modules -------------------------------------------------------------------------------

const MODULES = modules(store, actions);

function openModule(id) {
  const module = MODULES.find((m) => m.id === id);
  const changes = { module: id };
  if (id === "missed") changes.missedUnseen = 0;
  store.setUi(changes);
  module?.load?.();
}

// -- drawing --------------------------------------------------------------------------------

function renderTopbar() {
  replace(regions.topbar, statusBar(store, actions));
  tick(regions.topbar);
}

function renderConnection() {
  const state = store.ui.connection;
  const el = regions.connection;
  el.hidden = state === "live" || state === "stopped";
  el.textContent =
    state === "reconnecting"
      ? "Connection to the server lost — reconnecting… What you see may be out of date."
      : state === "connecting"
        ? "Connecting to the server…"
        : "";
  document.body.classList.toggle("is-stale", state === "reconnecting");
}

function renderNav() {
  replace(regions.nav, navView(store, MODULES, openModule));
}

let announcedOffer = null;
function renderPopup() {
  const popup = store.view.popup;
  redraw(
    regions.popup,
    () => replace(regions.popup, popupView(store, actions)),
    (key) => afterPopup(regions.module, key),
  );
  // Screen readers hear of a new call even though the focus stays where it is
  // (focus.js: a call never takes the focus).
  if (popup && popup.offer_id !== announcedOffer) {
    announcedOffer = popup.offer_id;
    const name = popup.contact_name ? `${popup.contact_name}, ${popup.caller}` : popup.caller;
    regions.announcer.textContent = `Incoming call from ${name}${popup.queue_name ? `, ${popup.queue_name}` : ""}. ${ANSWER_SHORTCUT} goes to Accept.`;
  }
  tick(regions.popup);
  if (!popup) notifier.stopRinging();
  else if (notifier.ringingFor && notifier.ringingFor !== popup.offer_id) notifier.stopRinging();
}

function renderModule() {
  const module = MODULES.find((m) => m.id === store.ui.module) ?? MODULES[0];
  redraw(regions.module, () => replace(regions.module, module.view()));
  tick(regions.module);
}

/** The desk's view changed: follow calls arriving and ending. */
let knownCalls = new Set();
function followCalls() {
  const calls = store.view.calls ?? [];
  const ids = new Set(calls.map((c) => c.call_id));
  const arrived = [...ids].some((id) => !knownCalls.has(id));
  knownCalls = ids;
  const changes = {};
  if (arrived) {
    changes.module = "desk";
    changes.selectedCall = null;
  }
  if (store.ui.selectedCall && !ids.has(store.ui.selectedCall)) changes.selectedCall = null;
  if (Object.keys(changes).length) store.setUi(changes);
  const active = calls.find((c) => c.state !== "held");
  softphone.setMuted(Boolean(active?.muted));
  // Remember what each transfer is about: once it ends, the view drops it and only
  // its status comes, in a `transfer` message.
  const transfers = { ...store.ui.transfers };
  let changed = false;
  for (const c of calls) {
    if (c.transfer) {
      transfers[c.transfer.id] = { ...transfers[c.transfer.id], ...c.transfer, call_id: c.call_id };
      changed = true;
    }
  }
  if (changed) store.setUi({ transfers });
}

let postKey = null;
function followPost() {
  const post = store.view.post_interaction;
  const key = post ? `${post.started_at}:${post.call_ids.join(",")}` : null;
  if (key !== postKey) {
    postKey = key;
    saving = Promise.resolve();
    store.setUi({ postDrafts: {}, postProblem: "", postInvalid: [], ...(post ? { module: "desk" } : {}) });
  }
}

// -- screens ---------------------------------------------------------------------------------

function buildDesk() {
  const topbar = h("header", { class: "topbar" });
  const connection = h("div", { class: "connection-banner", role: "status", "aria-live": "polite", hidden: true });
  const nav = h("nav", { class: "modules", "aria-label": "Banner modules" });
  const popup = h("div", { class: "popup-region" });
  const module = h("div", { class: "module-region" });
  const announcer = h("div", { class: "sr-only", role: "status", "aria-live": "assertive" });
  regions = { topbar, connection, nav, popup, module, announcer };
  replace(
    root,
    h("a", { class: "skip-link", href: "#main", text: "Skip to the calls" }),
    topbar,
    connection,
    h("div", { class: "layout" }, nav, h("main", { id: "main", tabindex: "-1" }, popup, module)),
    h("div", { id: "toasts", class: "toasts" }),
    announcer,
  );
}

/** The desk is built and has what it draws from. */
const ready = () => Boolean(regions && store.view.agent && store.config);

let subscribed = false;
function subscribe() {
  if (subscribed) return;
  subscribed = true;
  store.on(["view.agent", "config", "ui.connection", "ui.softphone", "ui.small"], () => ready() && renderTopbar());
  store.on(["ui.connection"], () => ready() && renderConnection());
  store.on(["ui.module", "view.pool", "ui.missedUnseen", "ui.mailboxes"], () => ready() && renderNav());
  store.on(["view.popup"], () => ready() && renderPopup());
  store.on(["view.popup"], () => notices.onPopup());
  store.on(["view.calls"], followCalls);
  store.on(["view.post_interaction"], followPost);
  store.on(
    [
      "ui.module",
      "view.agent",
      "view.calls",
      "view.popup",
      "view.pool",
      "view.post_interaction",
      "ui.selectedCall",
      "ui.keypadOpen",
      "ui.dtmfSent",
      "ui.callTab",
      "ui.postDrafts",
      "ui.postProblem",
      "ui.postInvalid",
      "ui.missed",
      "ui.history",
      "ui.voicemails",
      "ui.mailboxes",
      "ui.preferences",
      "ui.openContact",
      "ui.transfers",
      "ui.routes",
      "config",
    ],
    () => ready() && renderModule(),
  );
  store.on(["view.agent"], () => softphone.follow(store.view.agent?.device));
}

async function enterDesk() {
  const [config, me] = await Promise.all([api.config(), api.me()]);
  hint.set();
  subscribe();
  buildDesk();
  store.setConfig(config);
  store.snapshot(me);
  const small = localStorage.getItem(SMALL) === "1" && smallBannerAllowed(store);
  store.ui.small = small;
  document.body.classList.toggle("small", small);
  renderTopbar();
  renderConnection();
  renderNav();
  renderPopup();
  renderModule();
  stream = new EventStream({
    onSnapshot: (view) => store.snapshot(view),
    onUpdate: (changes) => store.update(changes),
    onMessage: (message) => (message.type === "voicemail" ? voicemailNews(message) : notices.handle(message)),
    onState: (state) => store.setUi({ connection: state }),
    onUnauthorized: () => signedOut("Your session ended: sign in again."),
    signedIn: () =>
      api.me().then(
        () => true,
        (error) => !(error instanceof ApiError && error.status === 401),
      ),
  });
  stream.start();
  // Which optional routes this server has (the device choice, the softphone).
  api.openapi().then(
    (doc) => store.setUi({ routes: new Set(Object.keys(doc.paths ?? {})) }),
    () => {},
  );
  // The voicemail badge, without waiting for the module to be opened.
  attempt(async () => store.setUi({ mailboxes: await api.mailboxes() }));
}

/** A message stored, transcribed or heard in a mailbox the agent reads (the
 * stream's `voicemail` message): the list and the module's badge follow at once. */
function voicemailNews(message) {
  const box = message.mailbox;
  const boxes = store.ui.mailboxes ?? [];
  const mailboxes = boxes.some((b) => b.id === box.id)
    ? boxes.map((b) => (b.id === box.id ? { ...b, unheard: box.unheard } : b))
    : [...boxes, box];
  store.setUi({ mailboxes, voicemails: withVoicemail(store.ui.voicemails ?? [], message.voicemail) });
  if (message.change === "saved") {
    const m = message.voicemail;
    toast(`New voicemail from ${m.caller_name ?? m.caller} in ${m.mailbox_name}.`, "info");
  }
}

function signedOut(message) {
  stream?.stop();
  stream = null;
  softphone.stop({ tellServer: false });
  notifier.stopRinging();
  hint.clear();
  regions = null;
  knownCalls = new Set();
  postKey = null;
  for (const dialog of document.querySelectorAll("dialog")) dialog.remove();
  store.view = { agent: null, popup: null, calls: [], pool: [], post_interaction: null };
  store.ui.module = "desk";
  store.ui.missedUnseen = 0;
  store.ui.small = false;
  document.body.classList.remove("small");
  showLogin(message);
}

function showLogin(message) {
  replace(
    root,
    loginView({
      message,
      onSubmit: async (login, password) => {
        await api.login(login, password);
      },
      onSignedIn: enterDesk,
    }),
  );
}

async function boot() {
  startTicking();
  listenForShortcuts();
  if (hint.get()) {
    try {
      await enterDesk();
      return;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        hint.clear();
      } else {
        showLogin(error instanceof Error ? error.message : String(error));
        return;
      }
    }
  }
  showLogin();
}

boot();
