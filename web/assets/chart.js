// A section's convergence over time as inline SVG: the text gap between
// live proposals (falling is good) and the most members accepting one of
// them (rising is good), on one time axis proportional to time, with dated
// ticks. Each value holds until the next moment, so lines are steps, not
// slopes that would invent values in between. Reopenings (and the adoptions
// they undid) are marked where they happened. Lines differ in colour and in
// dash, and both are named in the legend and in a text summary.

import { h, svg, formatTime } from "./dom.js";

const W = 520;
const H = 210;
const PAD = { left: 44, right: 40, top: 16, bottom: 44 };
const DAY = 86_400_000;
const HOUR = 3_600_000;

/** `points` from the convergence route; `members` for the right axis; `marks`: `[{at, label}]`. */
export function chart(points, members, marks = []) {
  if (!points.length) return h("p", { class: "muted" }, "No history yet.");
  const t0 = points[0].at;
  const t1 = Math.max(points[points.length - 1].at, ...marks.map((m) => m.at), t0 + 1);
  const x = (t) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const yGap = (g) => PAD.top + (1 - g) * (H - PAD.top - PAD.bottom);
  const yCount = (n) => PAD.top + (1 - n / Math.max(members, 1)) * (H - PAD.top - PAD.bottom);
  const gap = steps(
    points.filter((p) => p.text_gap !== null).map((p) => [p.at, p.text_gap]),
    x,
    yGap,
    t1,
  );
  const accepting = steps(
    points.map((p) => [p.at, p.accepting]),
    x,
    yCount,
    t1,
  );
  const last = points[points.length - 1];
  const summary =
    `From ${formatTime(t0)} to ${formatTime(last.at)}: ${last.accepting} of ${members} members accepting one proposal` +
    (last.text_gap !== null ? `, text gap ${Math.round(last.text_gap * 100)}%` : "") +
    `, ${last.objections} objection(s)` +
    marks.map((m) => `; ${m.label} ${formatTime(m.at)}`).join("") +
    ".";
  const bottom = H - PAD.bottom;
  const figure = svg(
    "svg",
    { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": summary },
    svg("line", { class: "axis", x1: PAD.left, y1: bottom, x2: W - PAD.right, y2: bottom }),
    svg("line", { class: "axis", x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: bottom }),
    svg("line", { class: "axis", x1: W - PAD.right, y1: PAD.top, x2: W - PAD.right, y2: bottom }),
    svg("text", { x: PAD.left - 6, y: PAD.top + 4, "text-anchor": "end", class: "tick" }, "100%"),
    svg("text", { x: PAD.left - 6, y: bottom, "text-anchor": "end", class: "tick" }, "0%"),
    svg("text", { x: W - PAD.right + 6, y: PAD.top + 4, class: "tick" }, String(members)),
    svg("text", { x: W - PAD.right + 6, y: bottom, class: "tick" }, "0"),
    ticks(t0, t1).map((t) => [
      svg("line", { class: "grid", x1: x(t), y1: bottom, x2: x(t), y2: bottom + 4 }),
      svg("text", { x: x(t), y: bottom + 16, "text-anchor": "middle", class: "tick date" }, tickLabel(t, t1 - t0)),
    ]),
    marks.map((m) => [
      svg("line", { class: "mark", x1: x(m.at), y1: PAD.top, x2: x(m.at), y2: bottom }),
      svg("text", { x: x(m.at) + 3, y: PAD.top + 10, class: "tick mark-label" }, m.label),
    ]),
    gap.length ? svg("polyline", { class: "gap", fill: "none", points: gap }) : null,
    svg("polyline", { class: "accepting", fill: "none", points: accepting }),
  );
  return h(
    "figure",
    { class: "convergence" },
    figure,
    h(
      "figcaption",
      {},
      h("span", { class: "key gap" }, "— text gap (left axis)"),
      " ",
      h("span", { class: "key accepting" }, "- - members accepting (right axis)"),
      marks.length ? h("span", { class: "key mark" }, " ¦ reopened") : null,
      h("p", { class: "muted" }, summary),
    ),
  );
}

/** A step line through `[time, value]` pairs: each value holds until the next time, the
 *  last one until `end`. */
function steps(pairs, x, y, end) {
  const out = [];
  pairs.forEach(([t, v], i) => {
    if (i > 0) out.push([x(t), y(pairs[i - 1][1])]);
    out.push([x(t), y(v)]);
  });
  if (pairs.length) out.push([x(end), y(pairs[pairs.length - 1][1])]);
  return out.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(" ");
}

/** At most six round times between `t0` and `t1`: midnights (UTC) over days, hours within a day. */
function ticks(t0, t1) {
  const span = t1 - t0;
  const units = [HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY];
  const unit = units.find((u) => span / u <= 6) || 30 * DAY;
  const out = [];
  for (let t = Math.ceil(t0 / unit) * unit; t <= t1; t += unit) out.push(t);
  return out;
}

/** A tick's date ("12 Nov") over days, its hour ("14:00") within a day (UTC, as times are shown). */
function tickLabel(t, span) {
  const date = new Date(t);
  if (span > 2 * DAY) return date.toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
  return date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
}
