// The negotiation at a glance: one card per section with its status, lead,
// proposals, who still objects or reserves, and the consultation deadline.

import { h, countdown, formatTime, statusBadge } from "./dom.js";
import { reuse, state, wanted } from "./state.js";
import { renderFiles } from "./files.js";

export function renderOverview(app) {
  const view = app.state.view;
  const since = sinceLastVisit(app);
  const agreed = view.sections.filter((s) => s.agreed_text !== null).length;
  return h(
    "div",
    { class: "overview" },
    h(
      "header",
      { class: "page-head" },
      h("h1", {}, view.title),
      h(
        "p",
        { class: "lede" },
        `${agreed} of ${view.sections.length} sections agreed. `,
        view.deadline
          ? h(
              "span",
              { class: "deadline", title: formatTime(view.deadline) },
              `Consultation ${countdown(view.deadline)} (${formatTime(view.deadline)}).`,
            )
          : "No consultation deadline set.",
      ),
      exportLinks(app),
    ),
    view.unreadable && view.unreadable.length
      ? h(
          "p",
          { class: "error", role: "alert" },
          `${view.unreadable.length} document(s) could not be read and are left out.`,
        )
      : null,
    h(
      "ol",
      { class: "cards", "aria-label": "Sections" },
      view.sections.map((section) => {
        const news = since.get(section.number) || "";
        const recent = state.recent.has(`s${section.number}`);
        return reuse(`overview-${section.number}`, [section, news, recent], () => h("li", {}, card(section, news)));
      }),
    ),
    renderFiles(app),
  );
}

/** What others changed in each section since the participant's last visit, as a line per
 *  section number (none before a first visit, or until the history arrives). */
function sinceLastVisit(app) {
  const last = app.state.lastVisit;
  const lines = new Map();
  if (!last) return lines;
  const time = new Date(last).toISOString();
  const held = wanted("since-visit", time, () => app.api.historySince(app.state.view.id, time));
  if (!held || held.error) return lines;
  const me = app.state.me.participant;
  const bySection = new Map();
  for (const entry of held.value) {
    if (entry.section === null || entry.by === me) continue;
    const seen = bySection.get(entry.section) || { count: 0, who: new Set() };
    seen.count += 1;
    if (entry.by) seen.who.add(entry.by);
    bySection.set(entry.section, seen);
  }
  for (const [number, { count, who }] of bySection) {
    lines.set(number, `Since your last visit: ${count} change(s)${who.size ? ` by ${[...who].join(", ")}` : ""}`);
  }
  return lines;
}

function card(section, news) {
  const live = section.proposals.filter((p) => !p.withdrawn);
  const objecting = section.outstanding.filter((o) => o.stance === "object");
  const reserving = section.outstanding.filter((o) => o.stance === "reserve");
  return h(
    "a",
    {
      class: `card section-card status-${section.status}${state.recent.has(`s${section.number}`) ? " recent" : ""}`,
      href: `#/section/${section.number}`,
    },
    h("div", { class: "card-top" }, h("span", { class: "number" }, `§${section.number}`), statusBadge(section.status)),
    h("h2", {}, section.title),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Lead"),
      h("dd", {}, section.lead),
      h("dt", {}, "Proposals"),
      h(
        "dd",
        {},
        section.agreed_text !== null
          ? `${section.adoption ? section.adoption.label : ""} adopted`
          : String(live.length),
      ),
      section.text_gap !== null && section.agreed_text === null
        ? [
            h("dt", {}, "Text gap"),
            h("dd", {}, `${Math.round(section.text_gap * 100)}%`),
            h("dd", { class: "explain muted" }, "how far apart the live proposals' words are: 0% is one text"),
          ]
        : null,
    ),
    news ? h("p", { class: "since-visit" }, news) : null,
    section.package.length
      ? h(
          "p",
          { class: "package" },
          section.provisional ? "Agreed provisionally: " : "",
          `in a package with ${section.package
            .filter((n) => n !== section.number)
            .map((n) => `§${n}`)
            .join(", ")}`,
        )
      : null,
    objecting.length ? h("p", { class: "objections" }, h("strong", {}, "Objecting: "), who(objecting)) : null,
    reserving.length ? h("p", { class: "reservations" }, h("strong", {}, "Reserving: "), who(reserving)) : null,
    section.adoption
      ? h("p", { class: "muted" }, `Adopted by ${section.adoption.by}, ${formatTime(section.adoption.at)}`)
      : null,
  );
}

function who(list) {
  return list.map((o) => `${o.participant} (${o.label}${o.stale ? ", earlier text" : ""})`).join(", ");
}

function exportLinks(app) {
  const id = app.state.view.id;
  const formats = [
    ["md", "Markdown"],
    ["html", "HTML"],
    ["docx", "Word (tracked changes)"],
    ["akn", "Akoma Ntoso XML"],
  ];
  return h(
    "p",
    { class: "exports" },
    "Download the draft: ",
    formats.map(([format, label], i) => [
      i ? " · " : "",
      h(
        "a",
        { href: app.api.exportUrl(id, format), download: `agreed-draft.${format === "akn" ? "xml" : format}` },
        label,
      ),
    ]),
  );
}
