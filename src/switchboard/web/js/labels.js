// The words agents read: states, reasons and kinds, as the product article names them.

export const AGENT_STATE = {
  logged_out: "Logged out",
  available: "Available",
  paused: "Paused",
  presented: "Ringing",
  on_call: "On a call",
  post_interaction: "Post-call",
};

export const PAUSE_REASON = {
  break: "Break",
  lunch: "Lunch",
  meeting: "Meeting",
  training: "Training",
  admin: "Admin",
};

export function pauseReason(reason) {
  return PAUSE_REASON[reason] ?? reason ?? "";
}

/** Popup colours (spec §2.2): the CSS variable and what the colour means. */
export const COLOUR = {
  raspberry_red: { label: "Smart routing call", variable: "--raspberry-red" },
  ocean_blue: { label: "Direct call", variable: "--ocean-blue" },
  sky_blue: { label: "Internal call", variable: "--sky-blue" },
  lilac: { label: "Preview call", variable: "--lilac" },
};

export const CALL_STATE = {
  routing: "In a Smart Routing",
  queued: "Waiting in queue",
  offered: "Ringing",
  dialing: "Calling…",
  connected: "Connected",
  held: "On hold",
  transferring: "Transferring",
  conference: "3-way call",
  voicemail: "In voicemail",
  ended: "Ended",
};

export const POOL_CATEGORY = {
  presented: "Presented to you",
  handled: "Your calls",
  waiting: "Waiting in queue",
};

export const TRANSFER_MODE = { blind: "blind transfer", attended: "attended transfer" };

export const TRANSFER_KIND = {
  user: "User",
  queue: "Queue",
  flow: "Smart Routing",
  directory: "Directory",
  number: "Number",
};

export const TRANSFER_STATUS = {
  starting: "Starting the transfer",
  ringing: "Ringing",
  answered: "Answered",
  completed: "Transfer completed",
  cancelled: "Transfer cancelled",
  failed: "Transfer failed",
};

export const FAILURE_REASON = {
  busy: "the line is busy",
  no_answer: "nobody answered",
  declined: "the call was declined",
  unreachable: "the destination cannot be reached",
  invalid_number: "the number is not valid",
  agent_unavailable: "the agent is not available",
  caller_hung_up: "the caller hung up",
  destination_hung_up: "the destination hung up",
};

export const MISSED_REASON = {
  expired: "Not answered in time",
  declined: "Declined",
  busy: "Phone busy",
  unavailable: "Phone unavailable",
  logged_out: "Logged out",
};

export const NOTIFICATION = {
  incoming_call: "Incoming call ringtone",
  missed_call: "Missed call",
  transfer_requested: "Transfer requested",
  call_ended: "Call ended",
};

/** The title of a notification of each type, as it pops up. */
export const NOTIFICATION_TITLE = {
  incoming_call: "Incoming call",
  missed_call: "Missed call",
  transfer_requested: "Transfer requested",
  call_ended: "Call ended",
};

export const NOTIFICATION_MODE = {
  disabled: "Disabled",
  sound: "Sound only",
  desktop: "Desktop only",
  both: "Both",
};

export const DIRECTION = { inbound: "Inbound", outbound: "Outbound", internal: "Internal" };
