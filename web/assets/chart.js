// A section's convergence over time as inline SVG: the text gap between
// live proposals (falling is good) and the most members accepting one of
// them (rising is good), on one time axis. Lines differ in colour and in
// dash, and both are named in the legend and in a text summary.

import { h, svg, formatTime } from "./dom.js";

const W = 520;
const H = 200;
const PAD = { left: 44, right: 40, top: 16, bottom: 34 };

export function chart(points, members) {
  if (!points.length) return h("p", { class: "muted" }, "No history yet.");
  const t0 = points[0].at;
  const t1 = Math.max(points[points.length - 1].at, t0 + 1);
  const x = (t) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const yGap = (g) => PAD.top + (1 - g) * (H - PAD.top - PAD.bottom);
  const yCount = (n) => PAD.top + (1 - n / Math.max(members, 1)) * (H - PAD.top - PAD.bottom);
  const line = (pts, cls) =>
    svg("polyline", {
      class: cls,
      fill: "none",
      points: pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(" "),
    });
  const gap = points.filter((p) => p.text_gap !== null).map((p) => [x(p.at), yGap(p.text_gap)]);
  const accepting = points.map((p) => [x(p.at), yCount(p.accepting)]);
  const last = points[points.length - 1];
  const summary =
    `From ${formatTime(t0)} to ${formatTime(last.at)}: ${last.accepting} of ${members} members accepting one proposal` +
    (last.text_gap !== null ? `, text gap ${Math.round(last.text_gap * 100)}%` : "") +
    `, ${last.objections} objection(s).`;
  const figure = svg(
    "svg",
    { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": summary },
    svg("line", { class: "axis", x1: PAD.left, y1: H - PAD.bottom, x2: W - PAD.right, y2: H - PAD.bottom }),
    svg("line", { class: "axis", x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: H - PAD.bottom }),
    svg("line", { class: "axis", x1: W - PAD.right, y1: PAD.top, x2: W - PAD.right, y2: H - PAD.bottom }),
    svg("text", { x: PAD.left - 6, y: PAD.top + 4, "text-anchor": "end", class: "tick" }, "100%"),
    svg("text", { x: PAD.left - 6, y: H - PAD.bottom, "text-anchor": "end", class: "tick" }, "0%"),
    svg("text", { x: W - PAD.right + 6, y: PAD.top + 4, class: "tick" }, String(members)),
    svg("text", { x: W - PAD.right + 6, y: H - PAD.bottom, class: "tick" }, "0"),
    svg("text", { x: PAD.left, y: H - 10, class: "tick" }, formatTime(t0)),
    svg("text", { x: W - PAD.right, y: H - 10, "text-anchor": "end", class: "tick" }, formatTime(last.at)),
    gap.length ? line(gap, "gap") : null,
    line(accepting, "accepting"),
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
      h("p", { class: "muted" }, summary),
    ),
  );
}
