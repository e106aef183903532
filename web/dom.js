// dom.js - small helpers the pages share: building elements, times and
// durations in words, and the bed's size.

export const BED = { w: 495, h: 279 }; // mm, the work area (docs/compile.md)

// el("button", {type: "button", onclick: f}, "Print")
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "class") e.className = v;
    else if (k === "dataset") Object.assign(e.dataset, v);
    else if (v === true) e.setAttribute(k, "");
    else e.setAttribute(k, v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function when(unix) {
  if (!unix) return "—";
  return new Date(unix * 1000).toLocaleString();
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined || seconds < 0) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

// Who did something, as the service records it ("user:ada", "user:ada
// (key 3)", "apikey:2", "cli (uid 0)"): a user by name alone.
export function who(text) {
  if (!text) return "—";
  return text.startsWith("user:") ? text.slice(5) : text;
}

// Why a machine waits for its home, as the service says it (for API
// users: "push the head into the rear-left corner, then POST
// /api/v1/machines/{serial}/home {...}"), in the dashboard's words: the
// calls it names are the Machine page's Confirm home and Calibrate camera
// (`onPage`: the reader is on that page).
export function homingText(text, serial, onPage = false) {
  const there = onPage ? "" : " on its page";
  return String(text || "")
    .replaceAll('POST /api/v1/machines/{serial}/home {"method":"manual"}',
      `press Confirm home${there}`)
    .replaceAll("with POST /api/v1/machines/{serial}/camera/calibrate",
      `with Calibrate camera${there}`)
    .replaceAll("{serial}", serial);
}

// Jobs that have not ended (docs/api.md, "Jobs").
export const JOB_LIVE = ["compiling", "queued", "waiting_for_home",
  "sending", "waiting_for_button", "running"];
export const JOB_STATES = [...JOB_LIVE, "completed", "failed", "cancelled"];

export function stateBadge(state) {
  return el("span", { class: `badge state-${state}` },
    String(state).replaceAll("_", " "));
}

// A progress bar with an accessible name and value.
export function progressBar(label, percent) {
  const p = el("progress", { max: "100", "aria-label": label });
  p.value = Math.max(0, Math.min(100, percent || 0));
  return p;
}

// Put `children` in `box` unless it shows the same already (the same
// markup): a live page redraws often, and a link or button drawn anew
// under the pointer loses a click that began on the old one.
export function patch(box, ...children) {
  const next = el("div", {}, children);
  if (next.innerHTML !== box.innerHTML)
    box.replaceChildren(...next.childNodes);
  return box;
}

// Say something at the top of the page (errors the user must see).
export function notice(text, kind = "error") {
  const n = document.getElementById("notice");
  n.textContent = text;
  n.className = `notice ${kind}`;
  n.hidden = !text;
}

// A refresh that events ask for: `fn` (async) runs at most once every `ms`
// however many events come, never twice at once, and once more if asked
// while it ran. Returns { now, soon, stop }.
export function coalesce(fn, ms = 250) {
  let timer = null;
  let busy = false;
  let again = false;
  let stopped = false;
  async function now() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      await fn();
    } finally {
      busy = false;
      if (again && !stopped) { again = false; soon(); }
    }
  }
  function soon() {
    if (!timer && !stopped)
      timer = setTimeout(() => { timer = null; now(); }, ms);
  }
  return { now, soon, stop: () => { stopped = true; clearTimeout(timer); } };
}
