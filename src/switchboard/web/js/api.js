// The server's REST API (/api/v1) and its event stream (/api/v1/events).
//
// Requests carry the session cookie set at login (HttpOnly: scripts never see it).
// Every refusal comes back as JSON {error, message}; `ApiError` keeps both, and the
// message is written for a person, so the Banner shows it as is. A race (the state
// moved on between the screen and the click: the offer expired as the agent clicked
// Accept, a colleague took the call) is ordinary news: the Banner asks for races as
// a 200 {refused} (`Prefer: conflict=outcome`), which the browser does not log as a
// failed request, and throws an `ApiError` 409 whose `race` is true. Every other
// refusal (a 409 included: past the extension limit, too many calls) keeps its
// status and is an error.
//
// The stream sends a snapshot of the agent's screen, then the sections that
// changed. When the socket drops (network, server restart, a server that found us
// too slow), `EventStream` reconnects with a growing delay and starts again from
// the new snapshot, which holds everything: no update can be lost in between.

import { setServerOffset } from "./time.js";

const BASE = new URL("api/v1/", document.baseURI);

export class ApiError extends Error {
  /**
   * @param {number} status @param {string} error @param {string} message
   * @param {boolean} [race] the state moved on (the server said so): news, not a failure
   */
  constructor(status, error, message, race = false) {
    super(message);
    this.status = status;
    this.error = error;
    this.race = race;
  }
}

const CONFLICT_AS_OUTCOME = "conflict=outcome";

/**
 * @param {string} method
 * @param {string} path relative to /api/v1/, e.g. "calls/c1/hold"
 * @param {any} [body]
 */
export async function request(method, path, body) {
  let response;
  try {
    response = await fetch(new URL(path, BASE), {
      method,
      credentials: "same-origin",
      headers: {
        Prefer: CONFLICT_AS_OUTCOME,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network", "the server cannot be reached; check your network");
  }
  const date = response.headers.get("Date");
  if (date) setServerOffset(Date.parse(date) / 1000 - Date.now() / 1000);
  let data = null;
  if ((response.headers.get("Content-Type") || "").includes("application/json")) {
    data = await response.json().catch(() => null);
  }
  if (data?.refused && (response.headers.get("Preference-Applied") ?? "").includes(CONFLICT_AS_OUTCOME)) {
    throw new ApiError(409, data.refused.error, data.refused.message, true);
  }
  if (!response.ok) {
    throw new ApiError(
      response.status,
      data?.error ?? "http_error",
      data?.message ?? `the server answered ${response.status}`,
    );
  }
  return data;
}

const post = (path, body) => request("POST", path, body);
const put = (path, body) => request("PUT", path, body);
const get = (path) => request("GET", path);
const id = (value) => encodeURIComponent(value);

/** One function per route the Banner uses. */
export const api = {
  login: (login, password) => post("login", { login, password }),
  logout: () => post("logout"),
  me: () => get("me"),
  config: () => get("config"),
  status: (state, reason) => post("status", reason ? { state, reason } : { state }),
  join: (queueId) => post(`queues/${id(queueId)}/join`),
  leave: (queueId) => post(`queues/${id(queueId)}/leave`),
  accept: (offerId) => post(`offers/${id(offerId)}/accept`),
  decline: (offerId) => post(`offers/${id(offerId)}/decline`),
  take: (callId) => post(`calls/${id(callId)}/take`),
  /** hangup, hold, resume, mute, unmute, recording/start, recording/stop */
  control: (callId, action) => post(`calls/${id(callId)}/${action}`),
  dtmf: (callId, digits) => post(`calls/${id(callId)}/dtmf`, { digits }),
  transfer: (callId, mode, kind, destination) =>
    post(`calls/${id(callId)}/transfer`, { mode, kind, destination }),
  completeTransfer: (transferId) => post(`transfers/${id(transferId)}/complete`),
  cancelTransfer: (transferId) => post(`transfers/${id(transferId)}/cancel`),
  merge: () => post("merge"),
  dial: (body) => post("dial", body),
  callBackHistory: (interactionId) => post(`history/${id(interactionId)}/call-back`),
  callBackContact: (contactId, number) =>
    post("callback", number ? { contact_id: contactId, number } : { contact_id: contactId }),
  qualify: (values) => put("post-interaction/qualification", { values }),
  tags: (tags) => put("post-interaction/tags", { tags }),
  link: (contactId, caseId) =>
    post("post-interaction/links", { contact_id: contactId, case_id: caseId || null }),
  unlink: (contactId, caseId) =>
    request("DELETE", "post-interaction/links", { contact_id: contactId, case_id: caseId || null }),
  extend: (seconds) => post("post-interaction/extend", { seconds }),
  endPost: () => post("post-interaction/end"),
  history: (limit = 50) => get(`history?limit=${limit}`),
  missed: (limit = 50) => get(`missed-calls?limit=${limit}`),
  preferences: () => get("notification-preferences"),
  setPreference: (kind, mode) => put(`notification-preferences/${id(kind)}`, { mode }),
  setDevice: (device) => put("device", { device }),
  mailboxes: () => get("mailboxes"),
  voicemails: (limit = 50) => get(`voicemails?limit=${limit}`),
  heard: (voicemailId) => post(`voicemails/${id(voicemailId)}/heard`),
  voicemailAudio: (voicemailId) => new URL(`voicemails/${id(voicemailId)}/audio`, BASE).href,
  recording: (recordingId) => new URL(`recordings/${id(recordingId)}`, BASE).href,
  /** The server's OpenAPI document, to tell which routes it has (no 404 asked for). */
  openapi: async () => {
    const response = await fetch(new URL("openapi.json", document.baseURI));
    return response.ok ? response.json() : { paths: {} };
  },
};

/** Delays before reconnecting, in seconds; the last one repeats. */
const BACKOFF = [0.25, 1, 2, 4, 8, 15];

/**
 * The agent's event stream. States, reported to `onState`:
 *   "connecting"   – first connection, nothing shown from the server yet
 *   "live"         – the snapshot arrived; updates follow
 *   "reconnecting" – the socket dropped; what is on screen may be stale
 *   "stopped"      – closed on purpose (sign out) or refused (session expired)
 */
export class EventStream {
  /**
   * @param {{
   *   onSnapshot: (view: any) => void,
   *   onUpdate: (changes: any) => void,
   *   onMessage: (message: any) => void,
   *   onState: (state: string) => void,
   *   onUnauthorized: () => void,
   *   signedIn: () => Promise<boolean>,
   * }} handlers
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.socket = null;
    this.attempt = 0;
    this.timer = 0;
    this.stopped = true;
    this.state = "stopped";
    this._online = () => this.reconnectNow();
    this._offline = () => this.socket?.close(4000, "offline");
  }

  start() {
    this.stopped = false;
    window.addEventListener("online", this._online);
    window.addEventListener("offline", this._offline);
    this._set("connecting");
    this._open();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener("online", this._online);
    window.removeEventListener("offline", this._offline);
    window.clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, "signed out");
    this._set("stopped");
  }

  /** Reconnect at once (the network came back, or the agent asked). */
  reconnectNow() {
    if (this.stopped || this.state === "live") return;
    window.clearTimeout(this.timer);
    this.attempt = 0;
    if (!this.socket) this._open();
  }

  _set(state) {
    if (this.state === state) return;
    this.state = state;
    this.handlers.onState(state);
  }

  _open() {
    const url = new URL("events", BASE);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url);
    this.socket = socket;
    let opened = false;
    socket.addEventListener("open", () => {
      opened = true;
    });
    socket.addEventListener("message", (event) => {
      if (this.socket !== socket) return;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.type === "snapshot") {
        this.attempt = 0;
        this.handlers.onSnapshot(message.view);
        this._set("live");
      } else if (message.type === "update") {
        this.handlers.onUpdate(message.changes);
      } else {
        this.handlers.onMessage(message);
      }
    });
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      if (event.code === 4401) {
        this.stop();
        this.handlers.onUnauthorized();
        return;
      }
      if (!opened) {
        // Refused at the handshake: the browser does not say why (an expired
        // session looks like a network error), so ask whether we are signed in.
        this.handlers.signedIn().then((yes) => {
          if (!yes && !this.stopped) {
            this.stop();
            this.handlers.onUnauthorized();
          }
        });
      }
      this._set("reconnecting");
      const delay = BACKOFF[Math.min(this.attempt, BACKOFF.length - 1)];
      this.attempt += 1;
      // A little randomness, so that a restarted server is not hit by every
      // Banner at the same instant.
      this.timer = window.setTimeout(() => this._open(), delay * (800 + Math.random() * 400));
    });
  }
}
