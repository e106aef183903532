// app.js - the dashboard's shell: who is signed in, the page named by the
// location's hash (#/fleet, #/machine/S10000042, #/new, #/history,
// #/admin), each page a module loaded when it is first shown.
//
// Hash routes keep every page at "/" for the service (one index.html, no
// path of the dashboard's can shadow one of the API's or the machines').
// A page module exports render(main, params) and may return a function
// that tears it down (stops its event listeners) when the page is left.
import { can, loadSession, session, signOut, startEvents, stopEvents }
  from "./api.js";
import { notice } from "./dom.js";

const PAGES = {
  login: { module: "./pages/login.js", title: "Sign in" },
  fleet: { module: "./pages/fleet.js", title: "Fleet" },
  machine: { module: "./pages/machine.js", title: "Machine" },
  new: { module: "./pages/newjob.js", title: "New job", role: "operator" },
  history: { module: "./pages/history.js", title: "History" },
  admin: { module: "./pages/admin.js", title: "Admin", role: "admin" },
};

let teardown = null;
let shown = 0; // how many times a page was shown

function parseHash() {
  const h = location.hash.replace(/^#\/?/, "");
  const [path, query = ""] = h.split("?");
  const parts = path.split("/").filter(Boolean);
  return { page: parts[0] || "fleet", args: parts.slice(1),
    query: new URLSearchParams(query) };
}

function showChrome() {
  const signedIn = !!session.user;
  document.getElementById("nav").hidden = !signedIn;
  document.getElementById("who").hidden = !signedIn;
  if (!signedIn) return;
  document.getElementById("who-name").textContent = session.user;
  document.getElementById("who-role").textContent = session.role;
  for (const a of document.querySelectorAll("#nav a")) {
    a.hidden = a.dataset.role ? !can(a.dataset.role) : false;
  }
}

async function show() {
  const route = parseHash();
  let name = PAGES[route.page] ? route.page : "fleet";
  if (!session.user) name = "login";
  else if (name === "login") name = "fleet";
  const page = PAGES[name];
  if (page.role && !can(page.role)) {
    notice(`The ${page.title} page needs the ${page.role} role.`);
    name = "fleet";
  } else {
    notice("");
  }
  if (teardown) teardown();
  teardown = null;
  showChrome();
  for (const a of document.querySelectorAll("#nav a"))
    a.toggleAttribute("aria-current", a.dataset.page === name);
  document.title = `${PAGES[name].title} — gfcloud`;
  document.body.dataset.page = name;
  // Each showing renders into a fresh container, put in place only if no
  // later showing (a quick second hash change) has begun meanwhile.
  const mine = ++shown;
  const box = document.createElement("div");
  const main = document.getElementById("main");
  main.replaceChildren(box);
  try {
    const mod = await import(PAGES[name].module);
    const done = (await mod.render(box, route)) || null;
    if (mine === shown) teardown = done;
    else if (done) done();
  } catch (e) {
    if (mine === shown) notice(`Cannot show this page: ${e.message}`);
  }
}

// Signed in (or out): the event stream follows the session.
async function sessionChanged() {
  if (session.user) startEvents();
  else stopEvents();
  await show();
}

window.addEventListener("hashchange", show);
window.addEventListener("gf-signed-in", sessionChanged);
window.addEventListener("gf-signed-out", () => {
  Object.assign(session, { user: null, role: null, csrf: null });
  sessionChanged();
});

document.getElementById("sign-out").addEventListener("click", async () => {
  await signOut().catch(() => {});
  location.hash = "#/login";
  sessionChanged();
});

try {
  await loadSession();
} catch (e) {
  notice(`Cannot reach gfcloud: ${e.message}`);
}
sessionChanged();
