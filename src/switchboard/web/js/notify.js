// Notifications (spec §9): a ringtone while a call is presented, short chimes for a
// missed call, a transfer request or a call that ended, and desktop notifications.
// The server sends each notification with the agent's mode for it (sound, desktop,
// both; a disabled one is not sent). Sounds are made with Web Audio, no files.
//
// Browsers let a page play sound only after the person interacted with it: the
// audio context is created (or resumed) on the first click or key press.

const SOUNDS = {
  missed_call: [[660, 0, 0.18], [520, 0.2, 0.28]],
  transfer_requested: [[520, 0, 0.14], [660, 0.16, 0.14], [780, 0.32, 0.2]],
  call_ended: [[440, 0, 0.25]],
};

export class Notifier {
  constructor() {
    /** @type {AudioContext | null} */
    this.audio = null;
    this.ringTimer = 0;
    this.ringingFor = null;
    const unlock = () => this._unlock();
    window.addEventListener("pointerdown", unlock, { capture: true });
    window.addEventListener("keydown", unlock, { capture: true });
  }

  _unlock() {
    try {
      if (!this.audio) this.audio = new AudioContext();
      if (this.audio.state === "suspended") this.audio.resume().catch(() => {});
    } catch {
      this.audio = null;
    }
  }

  _tone(frequency, start, length, volume = 0.08) {
    const ctx = this.audio;
    if (!ctx || ctx.state !== "running") return;
    const t = ctx.currentTime + start;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "sine";
    osc.frequency.value = frequency;
    // Soft edges: no clicks.
    gain.gain.setValueAtTime(0, t);
    gain.gain.linearRampToValueAtTime(volume, t + 0.02);
    gain.gain.setValueAtTime(volume, t + length - 0.04);
    gain.gain.linearRampToValueAtTime(0, t + length);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t);
    osc.stop(t + length + 0.01);
  }

  /** One ring: two soft tones, repeated every two seconds while ringing. */
  _ring() {
    this._tone(698, 0, 0.35);
    this._tone(880, 0.4, 0.45);
  }

  startRinging(offerId) {
    if (this.ringingFor === offerId) return;
    this.stopRinging();
    this.ringingFor = offerId;
    this._ring();
    this.ringTimer = window.setInterval(() => this._ring(), 2000);
  }

  stopRinging() {
    window.clearInterval(this.ringTimer);
    this.ringTimer = 0;
    this.ringingFor = null;
  }

  /** Play the ringtone once (the settings' test button). */
  testRing() {
    this._unlock();
    this._ring();
  }

  chime(kind) {
    for (const [frequency, start, length] of SOUNDS[kind] ?? []) this._tone(frequency, start, length);
  }

  /**
   * A `notification` message from the stream.
   * @param {{kind: string, mode: string, call_id: string | null, detail: any}} message
   * @param {{title: string, body: string}} text
   */
  handle(message, text) {
    const sound = message.mode === "sound" || message.mode === "both";
    const desktop = message.mode === "desktop" || message.mode === "both";
    if (sound) {
      if (message.kind === "incoming_call") this.startRinging(message.detail?.offer_id ?? message.call_id);
      else this.chime(message.kind);
    }
    if (desktop && "Notification" in window && Notification.permission === "granted") {
      try {
        const n = new Notification(text.title, { body: text.body, tag: `${message.kind}-${message.call_id ?? ""}` });
        n.onclick = () => {
          window.focus();
          n.close();
        };
      } catch {
        // Some browsers allow notifications only from a service worker: the
        // in-page message is shown anyway.
      }
    }
  }

  async askDesktopPermission() {
    if (!("Notification" in window)) return "unsupported";
    try {
      return await Notification.requestPermission();
    } catch {
      return Notification.permission;
    }
  }
}
