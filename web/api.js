// api.js - the dashboard's one way to the REST API (docs/api.md).
//
// Requests go with the session cookie (same origin); state-changing ones
// carry the session's CSRF token, as the service asks of a cookie
// session. Errors come back as ApiError with the service's stable code,
// so a page can say what went wrong in the service's own words.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

export const session = { user: null, role: null, csrf: null };

const RANK = { viewer: 1, operator: 2, admin: 3 };

// Whether the signed-in user's role reaches `role`.
export function can(role) {
  return (RANK[session.role] || 0) >= RANK[role];
}

// One call: `body` is JSON unless it is FormData (sent as a form) or a
// Blob/File (sent as it is, with its own type or `opts.type`). Answers the parsed JSON (or null).
export async function api(method, path, body, opts = {}) {
  const headers = {};
  let payload;
  if (body instanceof FormData) {
    payload = body; // the browser writes the multipart Content-Type
  } else if (body instanceof Blob) {
    payload = body;
    headers["Content-Type"] = opts.type || body.type ||
      "application/octet-stream";
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
  }
  if (method !== "GET" && method !== "HEAD" && session.csrf)
    headers["X-CSRF-Token"] = session.csrf;
  const r = await fetch(path, {
    method, headers, body: payload, credentials: "same-origin",
    cache: "no-store",
  });
  const text = await r.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!r.ok) {
    const e = new ApiError(r.status, data && data.code,
      data && data.error);
    e.retryAfter = Number(r.headers.get("Retry-After")) || null; // a 429's
    if (r.status === 401 && opts.on401 !== false)
      window.dispatchEvent(new CustomEvent("gf-signed-out"));
    throw e;
  }
  return data;
}

export async function signIn(name, password) {
  const s = await api("POST", "/api/v1/session", { name, password },
    { on401: false });
  Object.assign(session, s);
  return s;
}

export async function loadSession() {
  try {
    const s = await api("GET", "/api/v1/session", undefined,
      { on401: false });
    Object.assign(session, s);
    return s;
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

export async function signOut() {
  try {
    await api("DELETE", "/api/v1/session", undefined, { on401: false });
  } finally {
    Object.assign(session, { user: null, role: null, csrf: null });
  }
}

// The live event stream, shared by the pages: one EventSource for the
// whole dashboard (each stream holds a connection), handlers by type.
const handlers = new Map();
let source = null;
const TYPES = ["machine.online", "machine.offline", "machine.lifecycle",
  "action.event", "machine.event", "job.state", "job.progress",
  "machine.log"];

function dispatch(type, ev) {
  let data = null;
  try { data = JSON.parse(ev.data); } catch { return; }
  for (const [fn, types] of handlers) {
    if (!types || types.includes(type)) fn(type, data);
  }
}

export function startEvents() {
  if (source) return;
  source = new EventSource("/api/v1/events/stream");
  for (const t of TYPES) source.addEventListener(t, (ev) => dispatch(t, ev));
  source.onopen = () => document.body.dataset.live = "yes";
  source.onerror = () => document.body.dataset.live = "no";
}

export function stopEvents() {
  if (source) source.close();
  source = null;
}

// Listen to some event types (all when `types` is omitted); returns the
// function that stops listening (a page calls it when it is left).
export function onEvents(fn, types) {
  handlers.set(fn, types || null);
  return () => handlers.delete(fn);
}
