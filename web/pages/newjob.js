// pages/newjob.js - a new job: pick a design (SVG, PNG, JPEG or a pulse
// file), a material or the operation for each stroke colour, place it on
// the bed (numbers, or drag it), and Print. The service compiles it
// (POST /api/v1/jobs); the page then follows the job: its compiled
// preview and run time, "press the button on the machine" while it waits
// for the button, the progress bar while it runs, and how it ended.
import { api, onEvents } from "../api.js";
import { bedDiagram } from "../bed.js";
import { BED, coalesce, duration, el, JOB_LIVE, notice, patch, progressBar,
  stateBadge } from "../dom.js";

const UNITS_MM = { mm: 1, cm: 10, in: 25.4, px: 25.4 / 96, pt: 25.4 / 72,
  pc: 25.4 / 6, "": 25.4 / 96 };

// An SVG length ("100mm", "4in", "300") in mm; NaN when it has none.
function lengthMm(v) {
  const m = /^\s*([0-9.]+)\s*([a-z]*)\s*$/.exec(v || "");
  if (!m || !(m[2] in UNITS_MM)) return NaN;
  return parseFloat(m[1]) * UNITS_MM[m[2]];
}

function hex(colour) {
  const c = colour.trim().toLowerCase();
  if (/^#[0-9a-f]{6}$/.test(c)) return c;
  if (/^#[0-9a-f]{3}$/.test(c)) return "#" + [...c.slice(1)]
    .map((x) => x + x).join("");
  const probe = document.createElement("span"); // a named colour
  probe.style.color = c;
  document.body.append(probe);
  const rgb = getComputedStyle(probe).color.match(/\d+/g);
  probe.remove();
  if (!rgb || c === "none" || c === "transparent") return null;
  return "#" + rgb.slice(0, 3).map((x) =>
    Number(x).toString(16).padStart(2, "0")).join("");
}

// What the page needs of an SVG: its size in mm and its stroke colours.
function readSvg(text) {
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const root = doc.documentElement;
  if (root.nodeName !== "svg") throw new Error("not an SVG file");
  const vb = (root.getAttribute("viewBox") || "").split(/[\s,]+/)
    .map(Number);
  let w = lengthMm(root.getAttribute("width"));
  let h = lengthMm(root.getAttribute("height"));
  if (isNaN(w) && vb.length === 4) w = vb[2] * UNITS_MM.px;
  if (isNaN(h) && vb.length === 4) h = vb[3] * UNITS_MM.px;
  const colours = new Set();
  for (const e of doc.querySelectorAll("*")) {
    const style = /(?:^|;)\s*stroke\s*:\s*([^;]+)/.exec(
      e.getAttribute("style") || "");
    const s = style ? style[1] : e.getAttribute("stroke");
    const c = s && hex(s);
    if (c) colours.add(c);
  }
  return { w: w || 50, h: h || 50, colours: [...colours] };
}

function kindOf(file) {
  const n = file.name.toLowerCase();
  if (file.type === "image/svg+xml" || n.endsWith(".svg")) return "svg";
  if (file.type === "image/png" || n.endsWith(".png")) return "png";
  if (file.type === "image/jpeg" || /\.jpe?g$/.test(n)) return "jpeg";
  return "puls";
}

// What an operation does when a row gives no number and no material is
// picked (the compiler's defaults; score is a light, fast cut).
const OP_DEFAULTS = { cut: { speed: 10, power: 100 },
  score: { speed: 100, power: 20 }, engrave: { speed: 100, power: 50 } };

function opRow(key, label, defaultOp) {
  const id = `op-${key.replace("#", "c")}`;
  const op = el("select", { id: `${id}-op`, "aria-label": `Operation for ${label}` },
    ["cut", "score", "engrave"].map((o) =>
      el("option", { value: o, selected: o === defaultOp }, o)));
  const num = (what, unit, max) => el("input", { type: "number", min: "0",
    max, step: "any", placeholder: "default", class: "num", title: "empty: the material's, else the default",
    "aria-label": `${what} for ${label} (${unit})` });
  const speed = num("Speed", "mm/s", "1000");
  const power = num("Power", "%", "100");
  const passes = el("input", { type: "number", min: "1", max: "100",
    step: "1", placeholder: "1", class: "num",
    "aria-label": `Passes for ${label}` });
  // The colour through the CSSOM: the service's policy (no inline styles)
  // refuses a style attribute.
  const swatch = key.startsWith("#") ? el("span", { class: "swatch" }) : null;
  if (swatch) swatch.style.background = key;
  const tr = el("tr", {},
    el("td", {}, swatch, label), el("td", {}, op), el("td", {}, speed), el("td", {}, power),
    el("td", {}, passes));
  tr.value = (material) => {
    // With a material, a bare kind takes the material's settings for it.
    if (material && !speed.value && !power.value && !passes.value)
      return op.value;
    const d = OP_DEFAULTS[op.value];
    const o = { op: op.value,
      speed: speed.value ? Number(speed.value) : d.speed,
      power: power.value ? Number(power.value) : d.power };
    if (passes.value) o.passes = Number(passes.value);
    return o;
  };
  tr.key = key;
  return tr;
}

export async function render(main, route) {
  const [{ machines }, { materials }] = await Promise.all([
    api("GET", "/api/v1/machines"), api("GET", "/api/v1/materials")]);
  const want = route.query.get("machine");
  const file = el("input", { type: "file", id: "design",
    accept: ".svg,.png,.jpg,.jpeg,.puls,image/svg+xml,image/png,image/jpeg" });
  const machine = el("select", { id: "machine" }, machines.map((m) =>
    el("option", { value: m.serial, selected: m.serial === want },
      `${m.serial} (${m.online ? m.lifecycle : "offline"})`)));
  const name = el("input", { id: "job-name", maxlength: "120" });
  const material = el("select", { id: "material" },
    el("option", { value: "" }, "None: set each colour below"),
    materials.map((m) => el("option", { value: m.name },
      `${m.name} (${m.thickness_mm} mm)`)));
  const x = el("input", { id: "x-mm", type: "number", min: "0",
    max: String(BED.w), step: "0.5", value: "10" });
  const y = el("input", { id: "y-mm", type: "number", min: "0",
    max: String(BED.h), step: "0.5", value: "10" });
  const ops = el("tbody", {});
  const bed = el("div", {});
  const print = el("button", { type: "submit", class: "primary",
    disabled: true }, "Print");
  const follow = el("section", { class: "card", "aria-label": "The job",
    hidden: true });
  const form = el("form", { class: "card", "aria-label": "New job" },
    el("div", { class: "row" },
      el("label", { for: "design" }, "Upload design"), file),
    el("div", { class: "row" },
      el("label", { for: "machine" }, "Machine"), machine,
      el("label", { for: "job-name" }, "Name"), name),
    el("div", { class: "row" },
      el("label", { for: "material" }, "Material"), material),
    el("table", { "aria-label": "Operations" },
      el("thead", {}, el("tr", {}, ["Colour", "Operation", "Speed mm/s",
        "Power %", "Passes"].map((t) => el("th", {}, t)))), ops),
    el("div", { class: "row" },
      el("label", { for: "x-mm" }, "X (mm)"), x,
      el("label", { for: "y-mm" }, "Y (mm)"), y,
      el("span", { class: "muted" },
        "from the rear-left corner; or drag the design on the bed")),
    bed, el("div", { class: "row" }, print));
  main.append(el("h1", {}, "New job"), form, follow);

  const design = { href: null, x: 10, y: 10, w: 50, h: 50 };
  let kind = null;
  const drawBed = () => bed.replaceChildren(bedDiagram({
    label: "Bed: where the design goes", design: kind ? design : null,
    onMove: (dx, dy) => { x.value = dx; y.value = dy; } }));
  drawBed();
  for (const inp of [x, y]) inp.addEventListener("input", () => {
    design.x = Number(x.value) || 0;
    design.y = Number(y.value) || 0;
    drawBed();
  });

  file.addEventListener("change", async () => {
    const f = file.files[0];
    ops.replaceChildren();
    print.disabled = !f;
    if (!f) return;
    kind = kindOf(f);
    name.value = f.name.replace(/\.[^.]*$/, "").slice(0, 120);
    if (design.href) URL.revokeObjectURL(design.href);
    design.href = kind === "puls" ? null : URL.createObjectURL(f);
    try {
      if (kind === "svg") {
        const s = readSvg(await f.text());
        Object.assign(design, { w: s.w, h: s.h });
        for (const c of s.colours) ops.append(opRow(c, c, "cut"));
        ops.append(opRow("*", "Any other colour", "cut"));
      } else if (kind === "png" || kind === "jpeg") {
        const img = new Image();
        img.src = design.href;
        await img.decode();
        Object.assign(design, { w: img.naturalWidth * UNITS_MM.px,
          h: img.naturalHeight * UNITS_MM.px });
        ops.append(opRow("image", "The image", "engrave"));
      }
    } catch (e) {
      notice(`Cannot read ${f.name}: ${e.message}`);
    }
    drawBed();
  });

  let stopFollow = null;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    notice("");
    const f = file.files[0];
    if (!f) return;
    // The form the service takes (docs/api.md, POST /api/v1/jobs).
    const form = new FormData();
    form.append("design", f);
    form.append("machine", machine.value);
    form.append("x_mm", x.value || "0");
    form.append("y_mm", y.value || "0");
    if (name.value) form.append("name", name.value);
    if (material.value) form.append("material", material.value);
    const o = {};
    for (const tr of ops.children) o[tr.key] = tr.value(material.value);
    if (Object.keys(o).length) form.append("ops", JSON.stringify(o));
    print.disabled = true;
    try {
      const job = await api("POST", "/api/v1/jobs", form);
      if (stopFollow) stopFollow();
      stopFollow = followJob(follow, job.id);
    } catch (e) {
      notice(`Print: ${e.message}`);
    } finally {
      print.disabled = false;
    }
  });
  return () => { if (stopFollow) stopFollow(); };
}

// The job after Print, live until it ends. What it says is drawn anew on
// each change; its Cancel job button stays (one drawn anew between a press
// and its release would lose the click).
function followJob(box, id) {
  box.hidden = false;
  const info = el("div", {});
  const cancel = el("button", { type: "button", class: "danger", hidden: true,
    onclick: () => api("POST", `/api/v1/jobs/${id}/cancel`)
      .catch((e) => notice(`Cancel job: ${e.message}`)) }, "Cancel job");
  const watch = el("p", {});
  box.replaceChildren(info, cancel, watch);
  async function draw() {
    const j = await api("GET", `/api/v1/jobs/${id}`);
    const p = j.progress || {};
    const parts = [el("h2", {}, `${j.name || "Job"} #${j.id} `,
      stateBadge(j.state))];
    if (j.state === "waiting_for_button")
      parts.push(el("p", { class: "press", role: "status" },
        "Press the button on the machine"));
    else if (j.state === "waiting_for_home")
      parts.push(el("p", { class: "press", role: "status" },
        "The machine must be homed first: confirm its home on its page."));
    else if (j.state === "running")
      parts.push(el("div", { class: "progress-row" },
        progressBar("Job progress", p.percent),
        el("span", {}, `${(p.percent || 0).toFixed(0)} %`),
        p.eta_s !== undefined ?
          el("span", { class: "eta" }, `ETA ${duration(p.eta_s)}`) : null));
    else if (j.state === "completed")
      parts.push(el("p", { role: "status" }, "Completed."));
    if (j.reason) parts.push(el("p", { class: "error" }, j.reason));
    if (j.stats)
      parts.push(el("p", {}, `Run time ${duration(j.stats.run_time_s)}, ` +
        `laser on ${duration(j.stats.laser_on_s)}.`));
    parts.push(bedDiagram({ label: `Preview of job ${j.id}`,
      preview: j.preview, extents: j.stats && j.stats.extents_mm }));
    patch(info, ...parts);
    cancel.hidden = !JOB_LIVE.includes(j.state);
    patch(watch, el("a", { href: `#/machine/${j.machine}` },
      `Watch it on ${j.machine}`));
    Object.assign(box.dataset, { jobId: j.id, jobState: j.state });
  }
  const view = coalesce(() => draw().catch((e) => notice(e.message)), 200);
  const off = onEvents((type, d) => {
    if (d.id === id) view.soon();
  }, ["job.state", "job.progress"]);
  view.now().then(() => box.scrollIntoView({ block: "start" }));
  return () => { off(); view.stop(); };
}
