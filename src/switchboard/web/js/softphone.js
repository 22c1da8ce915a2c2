// The Banner's softphone: the agent's audio in the page, for agents whose device is
// the Banner (`view.agent.device === "banner"`).
//
// Theory of operation. The softphone is one WebRTC session per agent, up as long
// as the page is open, whatever the calls: the server bridges it to whichever call
// the agent talks on (runtime/softphone.py). The page takes the microphone
// (getUserMedia), makes an offer with every ICE candidate in it (no trickle), POSTs
// it to /api/v1/softphone as {type: "offer", sdp} and sets the {type: "answer",
// sdp} it gets back; the caller's voice arrives as a remote track, played in an
// <audio> element. When the connection fails or drops, it starts again with a
// growing delay. DTMF does not travel in the media (the server's WebRTC side has no
// telephone-event): the keypad posts digits to the call's API instead.
//
// States (`onState`): "off" (not a Banner device), "connecting", "connected",
// "reconnecting", "unavailable" (this server has no softphone endpoint, or refused
// the offer), "blocked" (no microphone, or its use was refused).

import { ApiError, api, request } from "./api.js";

const BACKOFF = [1, 2, 4, 8, 15, 30];
const GATHERING_LIMIT_MS = 3000;

export class Softphone {
  /** @param {{onState: (state: string) => void}} handlers */
  constructor(handlers) {
    this.handlers = handlers;
    this.state = "off";
    /** @type {RTCPeerConnection | null} */
    this.pc = null;
    /** @type {MediaStream | null} */
    this.microphone = null;
    this.attempt = 0;
    this.timer = 0;
    this.running = false;
    this.available = null;
    this.muted = false;
    this.player = document.createElement("audio");
    this.player.autoplay = true;
    this.player.setAttribute("aria-hidden", "true");
    this.player.className = "softphone-audio";
    document.body.append(this.player);
  }

  _set(state) {
    if (this.state === state) return;
    this.state = state;
    this.handlers.onState(state);
  }

  /** Start (or keep) the softphone for a Banner device; stop it for a SIP phone. */
  async follow(device) {
    if (device === "banner") {
      if (!this.running) await this.start();
    } else if (this.running) {
      await this.stop();
    }
  }

  async start() {
    this.running = true;
    this.attempt = 0;
    await this._connect();
  }

  /** Close the session (signing out): the server is told, so it frees the line. */
  async stop({ tellServer = true } = {}) {
    const wasConnected = this.pc !== null;
    this.running = false;
    window.clearTimeout(this.timer);
    this._close();
    for (const track of this.microphone?.getTracks() ?? []) track.stop();
    this.microphone = null;
    this._set("off");
    if (tellServer && wasConnected && this.available) {
      await request("DELETE", "softphone").catch(() => {});
    }
  }

  /** Follow the call's mute: nothing leaves the microphone while muted. */
  setMuted(muted) {
    this.muted = muted;
    for (const track of this.microphone?.getAudioTracks() ?? []) track.enabled = !muted;
  }

  /** Play the remote audio now (after a click, if the browser held it back). */
  resumePlayback() {
    if (this.player.srcObject && this.player.paused) this.player.play().catch(() => {});
  }

  async _hasEndpoint() {
    // Ask the server which routes it has rather than posting to a route that may
    // not exist: a 404 would be an error in the console for nothing.
    if (this.available === null) {
      try {
        const doc = await api.openapi();
        this.available = Boolean(doc.paths?.["/api/v1/softphone"]?.post);
      } catch {
        this.available = false;
      }
    }
    return this.available;
  }

  _close() {
    const pc = this.pc;
    this.pc = null;
    if (pc) {
      pc.onconnectionstatechange = null;
      pc.ontrack = null;
      pc.close();
    }
  }

  async _connect() {
    if (!this.running) return;
    this._set(this.attempt ? "reconnecting" : "connecting");
    if (!(await this._hasEndpoint())) {
      this._set("unavailable");
      return;
    }
    if (!this.microphone) {
      try {
        this.microphone = await navigator.mediaDevices.getUserMedia({ audio: true });
        this.setMuted(this.muted);
      } catch {
        this._set("blocked");
        return;
      }
    }
    if (!this.running) return;
    this._close();
    const pc = new RTCPeerConnection({ iceServers: [] });
    this.pc = pc;
    for (const track of this.microphone.getAudioTracks()) pc.addTrack(track, this.microphone);
    pc.ontrack = (event) => {
      this.player.srcObject = event.streams[0] ?? new MediaStream([event.track]);
      this.player.play().catch(() => {
        // Autoplay held back until the agent clicks: play then.
        window.addEventListener("pointerdown", () => this.resumePlayback(), { once: true });
      });
    };
    pc.onconnectionstatechange = () => {
      if (this.pc !== pc) return;
      if (pc.connectionState === "connected") {
        this.attempt = 0;
        this._set("connected");
      } else if (pc.connectionState === "disconnected") {
        // Often a passing loss: ICE may recover by itself; start again if not.
        this._set("reconnecting");
        window.clearTimeout(this.timer);
        this.timer = window.setTimeout(() => {
          if (this.pc === pc && pc.connectionState !== "connected") this._retry();
        }, 3000);
      } else if (pc.connectionState === "failed" || pc.connectionState === "closed") {
        this._retry();
      }
    };
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      if (this.pc !== pc) return;
      const answer = await request("POST", "softphone", { type: "offer", sdp: pc.localDescription.sdp });
      if (this.pc !== pc) return;
      await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
    } catch (error) {
      if (this.pc !== pc) return;
      if (error instanceof ApiError && (error.status === 404 || error.status === 405 || error.status === 409)) {
        // No softphone here (an older server, or the agent is not a Banner device).
        this._close();
        this._set("unavailable");
        return;
      }
      this._retry();
    }
  }

  _retry() {
    if (!this.running) return;
    this._close();
    this._set("reconnecting");
    const delay = BACKOFF[Math.min(this.attempt, BACKOFF.length - 1)];
    this.attempt += 1;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this._connect(), delay * 1000);
  }
}

/** Resolves when ICE gathering is complete (or after a bound: send what we have). */
function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      pc.removeEventListener("icegatheringstatechange", check);
      window.clearTimeout(limit);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === "complete") done();
    };
    const limit = window.setTimeout(done, GATHERING_LIMIT_MS);
    pc.addEventListener("icegatheringstatechange", check);
  });
}
