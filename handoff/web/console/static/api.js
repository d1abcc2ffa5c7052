// The staff API over the session cookie: same-origin fetches, the CSRF token on every change.

import { emit } from "./dom.js";

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

let csrfToken = null;

export function setCsrfToken(token) {
  csrfToken = token;
}

/** JSON in, JSON out; a 401 on a signed-in session means it ended elsewhere. */
export async function api(path, { method = "GET", body, headers = {} } = {}) {
  const init = {
    method,
    headers: { Accept: "application/json", ...headers },
    cache: "no-store",
    credentials: "same-origin",
  };
  if (method !== "GET" && csrfToken) init.headers["X-CSRF-Token"] = csrfToken;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (!response.ok) {
    const error = payload && payload.error ? payload.error : {};
    const failure = new ApiError(
      response.status,
      error.code || "http_error",
      error.message || `HTTP ${response.status}`,
      error.details,
    );
    if (response.status === 401 && csrfToken) emit("session-ended", failure);
    throw failure;
  }
  return payload;
}

/** A file the API answers with (CSV export): fetched with the cookie, saved by the browser. */
export async function download(path, filename) {
  const response = await fetch(path, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new ApiError(response.status, "http_error", `HTTP ${response.status}`);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
