// Sign-in with a name and password. The session lives in an HttpOnly cookie the page cannot
// read; the page keeps only the CSRF token, in memory, and asks for it again on reload.

import { api, ApiError, setCsrfToken } from "./api.js";
import { $, emit } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./state.js";

function started(session) {
  setCsrfToken(session.csrf_token);
  state.me = { name: session.name, role: session.role };
  emit("signed-in", state.me);
}

/** Resumes the session of a reloaded tab; false when there is none. */
export async function resume() {
  try {
    started(await api("/api/v1/session"));
    return true;
  } catch {
    return false;
  }
}

export async function signIn(name, password) {
  started(await api("/api/v1/session", { method: "POST", body: { name, password } }));
}

/** Why a sign-in was refused, in words for the person at the keyboard. */
export function refusal(error) {
  if (error instanceof ApiError && error.code === "locked_out") {
    const seconds = (error.details && error.details.retry_after) || 900;
    return t("login.locked", { minutes: Math.ceil(seconds / 60) });
  }
  if (error instanceof ApiError && error.status === 401) return t("login.wrong");
  return error.message;
}

export async function signOut({ everywhere = false, message = "" } = {}) {
  try {
    if (state.me) {
      await api(everywhere ? "/api/v1/session/sign-out-everywhere" : "/api/v1/session", {
        method: everywhere ? "POST" : "DELETE",
      });
    }
  } catch {
    // The session may have ended already; the page signs out either way.
  }
  ended(message);
}

/** Back to the sign-in form (the session ended here or elsewhere). */
export function ended(message = "") {
  setCsrfToken(null);
  state.me = null;
  state.current = null;
  emit("signed-out");
  $("password").value = "";
  $("login-error").textContent = message;
}
