// The Banner ticks its own timers: views carry absolute times (epoch seconds, the
// server's clock) and the stream stays quiet between real changes. Elements that
// show a running time say so with data attributes, and one ticker updates them all:
//   data-since="T"  → elapsed since T        ("1:05")
//   data-until="T"  → remaining until T      ("0:12"), never below zero
//   data-until-total="S" on a <progress> data-until → value = remaining / S

let offset = 0;
/** Seconds the server's clock is ahead of ours (from the Date header of a response). */
export function setServerOffset(seconds) {
  // The Date header has a one-second resolution: only a real skew is worth correcting.
  offset = Math.abs(seconds) > 2 ? seconds : 0;
}

/** Now on the server's clock, in epoch seconds. */
export function now() {
  return Date.now() / 1000 + offset;
}

/** "0:07", "12:30", "1:02:03". */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

/** A spoken form for screen readers: "1 minute 5 seconds". */
export function spoken(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const minutes = Math.floor(s / 60);
  const parts = [];
  if (minutes) parts.push(`${minutes} minute${minutes === 1 ? "" : "s"}`);
  parts.push(`${s % 60} second${s % 60 === 1 ? "" : "s"}`);
  return parts.join(" ");
}

/** A clock time in the tenant's time zone: "14:05". */
export function clock(epochSeconds, timeZone) {
  try {
    return new Intl.DateTimeFormat(undefined, {
      hour: "2-digit",
      minute: "2-digit",
      timeZone: timeZone || undefined,
    }).format(new Date(epochSeconds * 1000));
  } catch {
    return new Date(epochSeconds * 1000).toLocaleTimeString();
  }
}

/** "Today 14:05", or a date and time. */
export function when(epochSeconds, timeZone) {
  const date = new Date(epochSeconds * 1000);
  const options = { timeZone: timeZone || undefined };
  try {
    const day = new Intl.DateTimeFormat(undefined, { ...options, dateStyle: "medium" });
    const today = day.format(new Date()) === day.format(date);
    return `${today ? "Today" : day.format(date)} ${clock(epochSeconds, timeZone)}`;
  } catch {
    return date.toLocaleString();
  }
}

/** Update every ticking element under `root` (the whole page by default). */
export function tick(root = document) {
  const t = now();
  for (const el of root.querySelectorAll("[data-since]")) {
    const text = duration(t - Number(el.dataset.since));
    if (el.textContent !== text) el.textContent = text;
  }
  for (const el of root.querySelectorAll("[data-until]")) {
    const left = Math.max(0, Number(el.dataset.until) - t);
    if (el instanceof HTMLProgressElement) {
      el.value = Number(el.dataset.untilTotal) > 0 ? left / Number(el.dataset.untilTotal) : 0;
      continue;
    }
    const text = el.dataset.format === "seconds" ? `${Math.ceil(left)} s` : duration(Math.ceil(left));
    if (el.textContent !== text) el.textContent = text;
  }
}

let timer = 0;
/** Start the ticker (four times a second, so a second never shows late). */
export function startTicking() {
  if (!timer) timer = window.setInterval(() => tick(), 250);
}
