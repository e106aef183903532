// pages/machine.js - one machine: the latest lid image on the bed diagram
// with the next job's preview at its placement, the operator's buttons
// (take a lid image, confirm the manual home, calibrate the camera, hunt,
// cancel the job), the action in flight with its events, the log as it
// arrives and the last settings report. Live through the event stream.
import { api, can, onEvents } from "../api.js";
import { bedDiagram } from "../bed.js";
import { coalesce, duration, el, homingText, JOB_LIVE, notice, patch,
  progressBar, stateBadge, when, who } from "../dom.js";

const LOG_KEEP = 200;

// The newest rows of a cursor-paged list (oldest first): page to the end.
async function tail(path, key) {
  let since = 0;
  let rows = [];
  for (let i = 0; i < 50; i++) {
    const page = await api("GET", `${path}?since=${since}&limit=1000`);
    rows = rows.concat(page[key]).slice(-LOG_KEEP);
    if (page[key].length < 1000) break;
    since = page.next;
  }
  return rows;
}

// A settings value as a line: a long one (a blob) is cut, said so.
function shorten(text) {
  return text.length > 200 ? `${text.slice(0, 200)}… (${text.length} chars)`
    : text;
}

function logLine(l) {
  return el("div", { class: l.level }, `${l.level.padEnd(7)} ${l.log}`);
}

// The job that runs next (or runs now): the oldest that has not ended.
async function nextJob(serial) {
  const { jobs } = await api("GET",
    `/api/v1/jobs?machine=${serial}&limit=100`);
  const live = jobs.filter((j) => JOB_LIVE.includes(j.state));
  if (!live.length) return null;
  return api("GET", `/api/v1/jobs/${live[live.length - 1].id}`);
}

export async function render(main, route) {
  const serial = route.args[0];
  if (!serial) { location.hash = "#/fleet"; return null; }
  const head = el("div", { class: "row" });
  const bed = el("div", { class: "bed-wrap" });
  const jobBox = el("div", { class: "job" });
  const buttons = el("div", { class: "row", role: "group",
    "aria-label": "Machine controls" });
  const current = el("div", {});
  const log = el("pre", { class: "log", "aria-label": "Machine log",
    tabindex: "0" });
  const settings = el("div", {});
  main.append(
    el("p", {}, el("a", { href: "#/fleet" }, "← Fleet")),
    el("h1", {}, `Machine ${serial}`), head,
    el("div", { class: "cols" },
      el("section", { class: "card", "aria-label": "Bed" },
        bed, jobBox, buttons),
      el("section", { class: "card" },
        el("h2", {}, "Current action"), current,
        el("h3", {}, "Log"), log,
        el("details", {}, el("summary", {}, "Settings report"), settings))));

  let imageStamp = Date.now();
  let machine = null;
  let job = null;

  async function act(label, fn) {
    notice("");
    try {
      await fn();
      notice(`${label}: sent.`, "info");
    } catch (e) {
      notice(`${label}: ${e.message}`);
    }
    refresh();
  }
  const action = (type) => () => api("POST",
    `/api/v1/machines/${serial}/actions`, { action_type: type });

  // The controls are made once and only updated on a refresh: a button
  // drawn anew between a press and its release would lose the click.
  const control = (label, onclick, attrs = {}) =>
    el("button", { type: "button", onclick, ...attrs }, label);
  const controls = {
    lid: control("Take lid image", () => act("Take lid image",
      action("lid_image"))),
    home: control("Confirm home", () => act("Confirm home", () => api("POST",
      `/api/v1/machines/${serial}/home`, { method: "manual" })),
    { title: "The head was pushed by hand into the rear-left corner" }),
    calibrate: control("Calibrate camera", () => act("Calibrate camera",
      () => api("POST", `/api/v1/machines/${serial}/camera/calibrate`)),
    { title: "Measure the lid camera, so later connects home by camera" }),
    hunt: control("Hunt", () => act("Hunt", action("hunt"))),
    cancel: control("Cancel job", () => act("Cancel job", () =>
      api("POST", `/api/v1/jobs/${job.id}/cancel`)), { class: "danger" }),
  };
  if (can("operator"))
    buttons.append(controls.lid, controls.home, controls.calibrate,
      controls.hunt,
      el("a", { href: `#/new?machine=${serial}` }, "New job…"),
      controls.cancel);
  else
    buttons.append(el("p", { class: "muted" },
      "Your role can look, not control."));
  drawButtons();

  function drawButtons() {
    const online = !!(machine && machine.online);
    controls.lid.disabled = !online;
    controls.home.disabled = !online || !["waiting_for_home", "locating",
      "ready"].includes(machine.lifecycle);
    controls.calibrate.disabled = !online || machine.lifecycle !== "ready";
    controls.hunt.disabled = !online;
    controls.cancel.hidden = !job;
  }

  function drawJob() {
    if (!job) {
      patch(jobBox, el("p", { class: "muted" }, "No job queued."));
      return;
    }
    const p = job.progress || {};
    patch(jobBox,
      el("p", {}, el("strong", {}, job.name || `Job ${job.id}`),
        " ", stateBadge(job.state), " by ", who(job.created_by),
        job.stats ? ` · run time ${duration(job.stats.run_time_s)}` : ""),
      job.state === "waiting_for_button" ? el("p", { class: "press" },
        "Press the button on the machine") : null,
      job.state === "waiting_for_home" ? el("p", { class: "press" },
        "Home the machine: push the head into the rear-left corner, then " +
        "Confirm home") : null,
      job.state === "running" ? el("div", { class: "progress-row" },
        progressBar("Job progress", p.percent),
        el("span", {}, `${(p.percent || 0).toFixed(0)} %`),
        p.eta_s !== undefined ?
          el("span", { class: "eta" }, `ETA ${duration(p.eta_s)}`) : null)
        : null);
  }

  // The bed is drawn anew only when what it shows changes (a new lid
  // image, another job), not on every event: the picture stays put.
  let bedShows = null;
  function drawBed() {
    const stats = job && job.stats;
    const opts = {
      label: `Bed of ${serial} with the latest lid image` +
        (job ? ` and job ${job.name || job.id}` : ""),
      image: `/api/v1/machines/${serial}/images/lid_image/latest?t=${imageStamp}`,
      preview: job && job.preview ? job.preview : null,
      extents: stats && stats.extents_mm ? stats.extents_mm : null,
    };
    const shows = JSON.stringify(opts);
    if (shows === bedShows) return;
    bedShows = shows;
    bed.replaceChildren(bedDiagram(opts));
  }

  async function drawCurrent() {
    const a = machine.current_action;
    if (!a) {
      patch(current, el("p", { class: "muted" }, "Idle."));
      return;
    }
    const full = await api("GET", `/api/v1/actions/${a.id}`);
    patch(current,
      el("p", {}, el("strong", {}, a.action_type), ` #${a.id} · `,
        stateBadge(full.state), a.cancelling ? " (cancelling)" : ""),
      el("ol", { class: "events", "aria-label": "Action events" },
        (full.events || []).map((e) =>
          el("li", {}, e.event, el("span", { class: "muted" },
            ` ${when(e.received)}`)))));
  }

  function drawSettings() {
    const s = machine.settings;
    if (!s || !Object.keys(s).length) {
      settings.replaceChildren(el("p", { class: "muted" },
        `No full settings report yet (last form: ${machine.settings_form}).`));
      return;
    }
    settings.replaceChildren(el("dl", { class: "kv" },
      Object.entries(s).map(([k, v]) => [el("dt", {}, k),
        el("dd", {}, shorten(typeof v === "object" ? JSON.stringify(v) :
          String(v)))])));
  }

  function drawHead() {
    const pos = machine.head_position;
    patch(head,
      el("span", { class: `badge ${machine.online ? "online" : "offline"}` },
        machine.online ? "online" : "offline"),
      el("span", { dataset: { lifecycle: machine.lifecycle } }, "State: ",
        el("strong", {},
        String(machine.lifecycle).replaceAll("_", " "))),
      el("span", { class: "muted" }, "Head: ", pos && pos !== "unknown" ?
        `${pos.x_mm.toFixed(1)}, ${pos.y_mm.toFixed(1)} mm (${pos.source})` :
        "position unknown"),
      el("span", { class: "muted" }, "Camera: ",
        machine.calibrated ? "calibrated" : "not calibrated",
        machine.camera_calibration && !["calibrated", "calibrating"]
          .includes(machine.camera_calibration) ?
          ` (last calibration: ${machine.camera_calibration})` : ""),
      machine.lifecycle === "waiting_for_home" && machine.homing ?
        el("span", { class: "muted" },
          homingText(machine.homing, serial, true))
        : "");
  }

  const view = coalesce(async () => {
    try {
      [machine, job] = await Promise.all([
        api("GET", `/api/v1/machines/${serial}`), nextJob(serial)]);
      drawHead(); drawJob(); drawButtons(); drawBed(); drawSettings();
      await drawCurrent();
    } catch (e) {
      notice(`Cannot load ${serial}: ${e.message}`);
    }
  });
  const refresh = view.now;

  const off = onEvents((type, d) => {
    if (d.machine !== machine?.serial && d.machine !== serial) return;
    if (type === "machine.log") {
      log.append(logLine(d));
      while (log.childNodes.length > LOG_KEEP) log.firstChild.remove();
      log.scrollTop = log.scrollHeight;
      return;
    }
    if (type === "action.event" && /^lid_image:completed/.test(d.event))
      imageStamp = Date.now();
    view.soon();
  });
  await refresh();
  try {
    const rows = await tail(`/api/v1/machines/${serial}/logs`, "logs");
    log.replaceChildren(...rows.map(logLine));
    log.scrollTop = log.scrollHeight;
  } catch (e) {
    log.textContent = `Cannot load the log: ${e.message}`;
  }
  return () => { off(); view.stop(); };
}
