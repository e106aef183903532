// bed.js - the 495 x 279 mm bed as an SVG drawn in millimetres (the
// viewBox is the work area, so a placement in mm is a position in the
// picture): grid every 50 mm, the lid image under it, a job's preview or
// extents over it, and a design that can be dragged to place it.
import { BED } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs))
    if (v !== undefined && v !== null) e.setAttribute(k, v);
  return e;
}

// opts: label (accessible name), image (URL under the grid), preview (a
// whole-bed picture over it), extents ({x0,y0,x1,y1} mm), design ({href,
// x, y, w, h} mm; onMove(x, y) makes it draggable).
export function bedDiagram(opts = {}) {
  const root = svg("svg", { viewBox: `0 0 ${BED.w} ${BED.h}`, class: "bed",
    role: "img", "aria-label": opts.label || "Bed, 495 × 279 mm" });
  if (opts.image) {
    const img = svg("image", { href: opts.image, x: 0, y: 0, width: BED.w,
      height: BED.h, preserveAspectRatio: "none", class: "lid" });
    img.addEventListener("error", () => img.remove());
    img.addEventListener("load", () => { root.dataset.lid = "shown"; });
    root.append(img);
  }
  for (let x = 50; x < BED.w; x += 50)
    root.append(svg("line", { x1: x, y1: 0, x2: x, y2: BED.h,
      class: "grid-line" }));
  for (let y = 50; y < BED.h; y += 50)
    root.append(svg("line", { x1: 0, y1: y, x2: BED.w, y2: y,
      class: "grid-line" }));
  root.append(svg("rect", { x: .4, y: .4, width: BED.w - .8,
    height: BED.h - .8, class: "frame" }));
  // The extents under the preview, so the laser's path shows over them.
  if (opts.extents) {
    const e = opts.extents;
    root.append(svg("rect", { x: e.x0, y: e.y0,
      width: Math.max(e.x1 - e.x0, .5), height: Math.max(e.y1 - e.y0, .5),
      class: "extent" }));
  }
  if (opts.preview)
    root.append(svg("image", { href: opts.preview, x: 0, y: 0,
      width: BED.w, height: BED.h, preserveAspectRatio: "none",
      class: "preview" }));
  if (opts.design) root.append(designNode(root, opts.design, opts.onMove));
  return root;
}

function designNode(root, d, onMove) {
  const g = svg("g", { class: "design" });
  const box = svg("rect", { x: d.x, y: d.y, width: d.w, height: d.h,
    class: "extent" });
  const img = d.href ? svg("image", { href: d.href, x: d.x, y: d.y,
    width: d.w, height: d.h, preserveAspectRatio: "none" }) : null;
  g.append(box);
  if (img) g.append(img);
  if (!onMove) return g;
  let grab = null;
  const toMm = (ev) => {
    const pt = new DOMPoint(ev.clientX, ev.clientY)
      .matrixTransform(root.getScreenCTM().inverse());
    return { x: pt.x, y: pt.y };
  };
  g.addEventListener("pointerdown", (ev) => {
    const p = toMm(ev);
    grab = { dx: p.x - d.x, dy: p.y - d.y };
    g.setPointerCapture(ev.pointerId);
    ev.preventDefault();
  });
  g.addEventListener("pointermove", (ev) => {
    if (!grab) return;
    const p = toMm(ev);
    const x = clamp(p.x - grab.dx, 0, BED.w - Math.min(d.w, BED.w));
    const y = clamp(p.y - grab.dy, 0, BED.h - Math.min(d.h, BED.h));
    d.x = Math.round(x * 2) / 2;
    d.y = Math.round(y * 2) / 2;
    for (const n of [box, img]) {
      if (n) { n.setAttribute("x", d.x); n.setAttribute("y", d.y); }
    }
    onMove(d.x, d.y);
  });
  const drop = () => { grab = null; };
  g.addEventListener("pointerup", drop);
  g.addEventListener("pointercancel", drop);
  return g;
}

function clamp(v, lo, hi) {
  return Math.max(lo, Math.min(hi, v));
}
