// pages/fleet.js - every machine at a glance: online or not, what the
// service is doing with it (its lifecycle), the job it is on with a
// progress bar and the time left, and its last lid image. Kept live by
// the event stream: an event about a machine or a job refreshes the view
// (at most a few times a second, however fast events come).
import { api, onEvents } from "../api.js";
import { coalesce, duration, el, homingText, JOB_LIVE, patch, progressBar,
  stateBadge } from "../dom.js";

function lifecycleText(m) {
  if (!m.online) return "offline";
  return String(m.lifecycle || "connecting").replaceAll("_", " ");
}

function jobLine(job) {
  if (!job) return el("p", { class: "muted" }, "No job");
  const p = job.progress || {};
  const parts = [el("p", {},
    el("a", { href: `#/machine/${job.machine}` }, job.name || `Job ${job.id}`),
    " ", stateBadge(job.state))];
  if (job.state === "running" || job.state === "completed") {
    const pct = job.state === "completed" ? 100 : (p.percent || 0);
    parts.push(el("div", { class: "progress-row" },
      progressBar(`Progress of ${job.name || "job " + job.id}`, pct),
      el("span", {}, `${pct.toFixed(0)} %`),
      p.eta_s !== undefined && job.state === "running" ?
        el("span", { class: "eta" }, `ETA ${duration(p.eta_s)}`) : null));
  } else if (job.state === "waiting_for_button") {
    parts.push(el("p", { class: "press" }, "Press the button on the machine"));
  }
  return el("div", { class: "job" }, parts);
}

// A machine's card, made once and updated in place on each refresh (its
// parts patched: what did not change stays, links and all).
function makeCard(serial) {
  const c = { head: el("header", {}), image: el("div", {}),
    state: el("div", {}), job: el("div", {}), stamp: null };
  c.root = el("article", { class: "card machine", dataset: { serial },
    "aria-label": `Machine ${serial}` }, c.head, c.image, c.state, c.job);
  return c;
}

function drawCard(c, m, job, imageStamp) {
  const serial = m.serial;
  Object.assign(c.root.dataset, { online: m.online ? "yes" : "no",
    lifecycle: m.lifecycle || "" });
  patch(c.head,
    el("h2", {}, el("a", { href: `#/machine/${serial}` }, serial)),
    el("span", { class: `badge ${m.online ? "online" : "offline"}` },
      m.online ? "online" : "offline"));
  if (c.stamp !== imageStamp) { // a new picture: ask for it once
    c.stamp = imageStamp;
    const img = el("img", {
      class: "thumb", alt: `Last lid image of ${serial}`, loading: "lazy",
      src: `/api/v1/machines/${serial}/images/lid_image/latest?t=${imageStamp}`,
    });
    img.addEventListener("error", () => img.replaceWith(
      el("div", { class: "thumb none" }, "No lid image yet")));
    c.image.replaceChildren(img);
  }
  patch(c.state,
    el("p", { class: "lifecycle" }, "State: ",
      el("strong", {}, lifecycleText(m))),
    m.homing && m.lifecycle === "waiting_for_home" ?
      el("p", { class: "muted" }, homingText(m.homing, serial)) : null);
  patch(c.job, jobLine(job));
}

// The newest job of each machine that has not ended, else its newest.
async function jobsByMachine() {
  const { jobs } = await api("GET", "/api/v1/jobs?limit=200");
  const pick = new Map();
  for (const j of jobs) { // newest first
    const had = pick.get(j.machine);
    if (!had || (!JOB_LIVE.includes(had.state) && JOB_LIVE.includes(j.state)))
      pick.set(j.machine, j);
  }
  // The list has no progress: ask for the ones that are running.
  await Promise.all([...pick.values()].filter((j) => j.state === "running")
    .map(async (j) => {
      Object.assign(j, await api("GET", `/api/v1/jobs/${j.id}`));
    }));
  return pick;
}

export async function render(main) {
  const list = el("div", { class: "grid", id: "fleet" });
  const status = el("p", { class: "muted", role: "status" });
  main.append(el("h1", {}, "Fleet"), status, list);
  let imageStamp = Date.now();
  const cards = new Map();
  const view = coalesce(async () => {
    try {
      const [{ machines }, jobs] = await Promise.all([
        api("GET", "/api/v1/machines"), jobsByMachine()]);
      const roots = machines.map((m) => {
        if (!cards.has(m.serial)) cards.set(m.serial, makeCard(m.serial));
        const c = cards.get(m.serial);
        drawCard(c, m, jobs.get(m.serial), imageStamp);
        return c.root;
      });
      if (roots.length !== list.children.length ||
          roots.some((r, i) => list.children[i] !== r))
        list.replaceChildren(...roots);
      status.textContent = machines.length ? "" :
        "No machines yet: an admin adds them on the Admin page.";
    } catch (e) {
      status.textContent = `Cannot load the fleet: ${e.message}`;
    }
  });
  const off = onEvents((type, data) => {
    if (type === "action.event" && /^lid_image:|upload/.test(data.event || ""))
      imageStamp = Date.now();
    if (type !== "machine.log") view.soon();
  });
  await view.now();
  return () => { off(); view.stop(); };
}
