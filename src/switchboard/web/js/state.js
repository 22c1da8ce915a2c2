// What the Banner knows, in one place, and who to tell when it changes.
//
// `view` mirrors the server's per-agent view (runtime/agent_view.py): the sections
// agent, popup, calls, pool, post_interaction, replaced whole by the snapshot and
// section by section by updates. `config` is /api/v1/config. `ui` is the page's own
// state (open module, selected call, drafts). Views subscribe to the keys they draw.

export class Store {
  constructor() {
    /** @type {Record<string, any>} */
    this.view = { agent: null, popup: null, calls: [], pool: [], post_interaction: null };
    /** @type {any} */
    this.config = null;
    this.ui = {
      module: "desk",
      selectedCall: null,
      connection: "stopped",
      softphone: "off",
      missed: [],
      missedUnseen: 0,
      voicemails: [],
      mailboxes: [],
      preferences: null,
      transfers: {},
      small: false,
    };
    /** Calls seen on this screen, by id: the post-call shows who the call was with. */
    this.seenCalls = new Map();
    /** @type {Map<string, Set<Function>>} */
    this.listeners = new Map();
  }

  /** Call `fn` when any of `keys` changes ("view.calls", "ui.module", "config"…). */
  on(keys, fn) {
    for (const key of keys) {
      if (!this.listeners.has(key)) this.listeners.set(key, new Set());
      this.listeners.get(key).add(fn);
    }
  }

  emit(keys) {
    const called = new Set();
    for (const key of keys) {
      for (const fn of this.listeners.get(key) ?? []) {
        if (!called.has(fn)) {
          called.add(fn);
          fn();
        }
      }
    }
  }

  /** The server's snapshot: every section at once. */
  snapshot(view) {
    this.view = { ...view };
    this._remember(view.calls);
    this.emit(Object.keys(this.view).map((k) => `view.${k}`));
  }

  /** An update: only the sections that changed. */
  update(changes) {
    Object.assign(this.view, changes);
    if (changes.calls) this._remember(changes.calls);
    this.emit(Object.keys(changes).map((k) => `view.${k}`));
  }

  setConfig(config) {
    this.config = config;
    this.emit(["config"]);
  }

  setUi(changes) {
    Object.assign(this.ui, changes);
    this.emit(Object.keys(changes).map((k) => `ui.${k}`));
  }

  _remember(calls) {
    for (const call of calls ?? []) this.seenCalls.set(call.call_id, call);
  }

  // -- lookups in the configuration ----------------------------------------------

  queueName(queueId) {
    return this.config?.queues.find((q) => q.id === queueId)?.name ?? queueId ?? "";
  }

  queue(queueId) {
    return this.config?.queues.find((q) => q.id === queueId) ?? null;
  }

  userName(agentId) {
    return this.colleague(agentId)?.name ?? agentId ?? "";
  }

  /**
   * The colleague a caller or callee names, as the server finds it
   * (`Directory.colleague`): by extension (an internal call) or by login (the callee
   * of a consultation, a transfer's agent); null for anyone else.
   * @param {string | null | undefined} party
   */
  colleague(party) {
    if (!party) return null;
    return this.config?.users.find((u) => u.extension === party || u.id === party) ?? null;
  }

  contact(contactId) {
    return this.config?.crm_contacts.find((c) => c.id === contactId) ?? null;
  }

  form(formId) {
    return this.config?.qualification_forms.find((f) => f.id === formId) ?? null;
  }
}
