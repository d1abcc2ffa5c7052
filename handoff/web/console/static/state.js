// What the modules share: who is signed in, the open ticket, the queue's choices.

export const SUPERVISOR_ROLES = new Set(["supervisor", "admin"]);
export const OPEN_STATUSES = new Set(["new", "assigned", "in_progress", "waiting_customer", "reopened"]);

export const state = {
  me: null, // {name, role} once signed in
  filter: "mine",
  search: "",
  current: null, // the open ticket's JSON
  clockOffset: 0, // the gateway's clock minus the browser's, in ms
};

export function isSupervisor() {
  return Boolean(state.me && SUPERVISOR_ROLES.has(state.me.role));
}

/** The gateway's "now" in ms: deadlines count down on its clock, not the browser's. */
export function serverNow() {
  return Date.now() + state.clockOffset;
}
