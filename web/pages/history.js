// pages/history.js - the jobs that were run: who sent them, when, how
// long they took, how they ended and why; filtered by machine and state.
// Admins also see the audit trail (every state-changing call, by whom).
import { api, can, onEvents } from "../api.js";
import { coalesce, duration, el, JOB_STATES, patch, stateBadge, when, who }
  from "../dom.js";

function jobRow(j) {
  const took = j.started && j.finished ? j.finished - j.started : null;
  return el("tr", { dataset: { job: j.id } },
    el("td", {}, String(j.id)), el("td", {}, j.name || "—"),
    el("td", {}, el("a", { href: `#/machine/${j.machine}` }, j.machine)),
    el("td", {}, who(j.created_by)), el("td", {}, when(j.created)),
    el("td", {}, duration(took)), el("td", {}, stateBadge(j.state)),
    el("td", {}, j.reason || ""));
}

async function audit(box) {
  let since = 0;
  let rows = [];
  for (let i = 0; i < 50; i++) {
    const page = await api("GET", `/api/v1/audit?since=${since}&limit=1000`);
    rows = rows.concat(page.audit).slice(-200);
    if (page.audit.length < 1000) break;
    since = page.next;
  }
  box.replaceChildren(el("table", { "aria-label": "Audit trail" },
    el("thead", {}, el("tr", {}, ["When", "Who", "From", "What", "Target",
      "Detail"].map((t) => el("th", {}, t)))),
    el("tbody", {}, rows.reverse().map((a) => el("tr", {},
      el("td", {}, when(a.at)), el("td", {}, who(a.who)), el("td", {}, a.from),
      el("td", {}, a.what), el("td", {}, a.target || ""),
      el("td", {}, a.detail ? JSON.stringify(a.detail) : ""))))));
}

export async function render(main, route) {
  const { machines } = await api("GET", "/api/v1/machines");
  const machine = el("select", { id: "filter-machine" },
    el("option", { value: "" }, "All machines"),
    machines.map((m) => el("option", { value: m.serial }, m.serial)));
  const state = el("select", { id: "filter-state" },
    el("option", { value: "" }, "Any state"),
    JOB_STATES.map((s) => el("option", { value: s },
      s.replaceAll("_", " "))));
  const body = el("tbody", {});
  const status = el("p", { class: "muted", role: "status" });
  main.append(el("h1", {}, "History"),
    el("div", { class: "row", role: "search" },
      el("label", { for: "filter-machine" }, "Machine"), machine,
      el("label", { for: "filter-state" }, "State"), state),
    status,
    el("table", { "aria-label": "Jobs" },
      el("thead", {}, el("tr", {}, ["Job", "Name", "Machine", "Who", "When",
        "Duration", "Outcome", "Reason"].map((t) => el("th", {}, t)))),
      body));
  let auditBox = null;
  if (can("admin")) {
    auditBox = el("div", {}, el("p", { class: "muted" }, "Loading…"));
    main.append(el("h2", {}, "Audit trail"), auditBox);
  }

  async function load() {
    const q = new URLSearchParams({ limit: "200" });
    if (machine.value) q.set("machine", machine.value);
    if (state.value) q.set("state", state.value);
    try {
      const { jobs } = await api("GET", `/api/v1/jobs?${q}`);
      patch(body, jobs.map(jobRow));
      status.textContent = jobs.length ? `${jobs.length} job(s)` :
        "No jobs match.";
    } catch (e) {
      status.textContent = `Cannot load the history: ${e.message}`;
    }
  }
  machine.addEventListener("change", load);
  state.addEventListener("change", load);
  const view = coalesce(load, 500);
  const off = onEvents(view.soon, ["job.state"]);
  await view.now();
  if (auditBox) audit(auditBox).catch((e) => {
    auditBox.textContent = `Cannot load the audit trail: ${e.message}`;
  });
  return () => { off(); view.stop(); };
}
