// The chair's desk: every objection and reservation still standing, per
// open section its compromise draft, its convergence over time and the
// adoption of a proposal, confirmed with the consensus state named; then
// the participants, their sign-in links and the deadline (roster.js).

import { h, bound, formatTime, statusBadge, stanceLabel } from "./dom.js";
import { chart } from "./chart.js";
import { drafts, reuse, wanted } from "./state.js";
import { renderRoster } from "./roster.js";
import { stanceForm } from "./section.js";
import { procedures, silenceForm } from "./procedures.js";

export function renderDesk(app) {
  if (!app.chairs()) {
    return h(
      "div",
      { class: "card" },
      h("h1", {}, "Chair's desk"),
      h("p", {}, "Only the chair and convenors use the desk."),
    );
  }
  const view = app.state.view;
  const open = view.sections.filter((s) => s.agreed_text === null);
  return h(
    "div",
    { class: "desk" },
    h(
      "header",
      { class: "page-head" },
      h("h1", {}, "Chair's desk"),
      h("p", { class: "lede" }, `${open.length} section(s) open of ${view.sections.length}.`),
    ),
    register(view),
    procedures(view),
    open.map((section) => sectionDesk(app, section)),
    agreedSections(app, view),
    packages(app, view),
    renderRoster(app),
  );
}

/** The packages (nothing in one is agreed until everything is), and a form to make one. */
function packages(app, view) {
  const made = [...new Set(view.sections.filter((s) => s.package.length).map((s) => s.package.join(",")))];
  const sections = bound("input", "package-sections", {
    id: "package-sections",
    type: "text",
    required: true,
    placeholder: "1, 4",
  });
  return h(
    "section",
    { class: "card packages", "aria-labelledby": "packages" },
    h("h2", { id: "packages" }, "Packages"),
    made.length
      ? h(
          "ul",
          {},
          made.map((numbers) =>
            h(
              "li",
              {},
              numbers
                .split(",")
                .map((n) => `§${n}`)
                .join(" + "),
            ),
          ),
        )
      : h("p", { class: "muted" }, "No package: each section is agreed on its own."),
    h(
      "form",
      {
        class: "package-form",
        onsubmit: async (event) => {
          event.preventDefault();
          const numbers = sections.value
            .split(/[\s,]+/)
            .filter(Boolean)
            .map(Number);
          try {
            await app.api.package(view.id, numbers);
            drafts.delete("package-sections");
            app.toast(`${numbers.map((n) => `§${n}`).join(" + ")}: one package`);
          } catch (error) {
            app.toast(error.message, true);
          }
        },
      },
      h("label", { for: "package-sections" }, "Sections agreed only together "),
      sections,
      " ",
      h("button", { type: "submit" }, "Make a package"),
    ),
  );
}

function register(view) {
  const standing = view.sections.some((s) => s.outstanding.length > 0);
  // Each section's rows are rebuilt only when its outstanding list changed.
  const rows = view.sections.map((s) =>
    reuse(`register-${s.number}`, [s.outstanding], () => s.outstanding.map((o) => registerRow(s, o))),
  );
  return h(
    "section",
    { class: "card", "aria-labelledby": "register" },
    h("h2", { id: "register" }, "Outstanding disagreements"),
    !standing
      ? h("p", {}, "None: no objection or reservation stands.")
      : h(
          "div",
          { class: "scroll" },
          h(
            "table",
            { class: "register stacked" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["Section", "Proposal", "Who", "Stance", "Why", "Since"].map((c) => h("th", { scope: "col" }, c)),
              ),
            ),
            h("tbody", {}, rows),
          ),
        ),
  );
}

function registerRow(section, r) {
  return h(
    "tr",
    { class: `stance-${r.stance}${r.stale ? " stale" : ""}` },
    h("td", { "data-label": "Section" }, h("a", { href: `#/section/${section.number}` }, `§${section.number}`)),
    h("td", { "data-label": "Proposal" }, r.label),
    h("th", { scope: "row" }, r.participant),
    h(
      "td",
      { "data-label": "Stance" },
      stanceLabel(r.stance),
      r.stale ? h("span", { title: "given on an earlier text" }, " (earlier text)") : null,
    ),
    h("td", { "data-label": "Why" }, r.reason || h("span", { class: "muted" }, "no reason given")),
    h("td", { "data-label": "Since" }, r.since ? formatTime(r.since) : ""),
  );
}

function sectionDesk(app, section) {
  const live = section.proposals.filter((p) => !p.withdrawn);
  // The leading proposal (against_leading) turns on who accepts what.
  const accepting = live.map((p) => p.tally.accepting);
  const key = [
    section.number,
    ...live.map((p) => p.text),
    ...accepting,
    section.outstanding.length,
    section.reopenings.length,
    section.silence ? section.silence.until : "",
  ].join("\u0000");
  const draftBox = h("div", { class: "text compromise" }, "Loading the compromise draft…");
  const chartBox = h("div", { class: "chart-box" }, "Loading the convergence history…");
  const id = app.state.view.id;
  const load = () => Promise.all([app.api.compromise(id, section.number), app.api.convergence(id, section.number)]);
  fill(app, section, wanted("desk", key, load), draftBox, chartBox);
  return h(
    "section",
    { class: "card desk-section", "aria-labelledby": `desk-${section.number}` },
    h(
      "h2",
      { id: `desk-${section.number}` },
      h("a", { href: `#/section/${section.number}` }, `§${section.number} ${section.title}`),
      " ",
      statusBadge(section.status),
    ),
    h(
      "div",
      { class: "desk-grid" },
      h("div", {}, h("h3", {}, "Compromise draft"), draftBox),
      h("div", {}, h("h3", {}, "Convergence"), chartBox),
    ),
    h("h3", {}, "Adopt"),
    live.length
      ? h(
          "ul",
          { class: "adopt-list" },
          live.map((p) =>
            h(
              "li",
              {},
              adoptControl(app, section, p),
              silenceForm(app, section, p),
              app.member() ? ownStance(app, p) : null,
            ),
          ),
        )
      : h("p", { class: "muted" }, "No proposal to adopt."),
  );
}

/** What the chart marks: each reopening of the section, with the adoption it undid. */
function marks(section) {
  return section.reopenings.map((r) => ({ at: r.at, label: `${r.label} reopened` }));
}

/** Shows the compromise draft and the chart once loaded (keyed by the section's texts and disagreements). */
function fill(app, section, held, draftBox, chartBox) {
  if (!held) return;
  if (held.error) {
    draftBox.textContent = held.error;
    chartBox.textContent = held.error;
    return;
  }
  const [compromise, points] = held.value;
  draftBox.replaceChildren(
    ...bracketed(compromise.pieces, compromise.bracket_kinds || []),
    h("p", { class: "muted" }, `${compromise.brackets} bracketed disagreement(s).`),
    againstLeading(compromise.against_leading),
  );
  const members = app.state.view.participants.filter((p) => p.role !== "observer").length;
  chartBox.replaceChildren(chart(points, members, marks(section)));
}

/** How far the other proposals are from the leading one; "editorial only" when the chair may settle. */
function againstLeading(apart) {
  if (!apart) return null;
  const others = apart.others.map(
    (o) => `${o.label}: ${o.substantive} substantive, ${o.editorial} editorial change(s)`,
  );
  return h(
    "div",
    { class: "against-leading" },
    apart.editorial_only
      ? h("p", { class: "badge status-ready editorial-only" }, "✓ Editorial only: the chair may settle the wording")
      : null,
    h("p", { class: "muted" }, `Against ${apart.leading}, which most accept: ${others.join("; ")}.`),
  );
}

/** The draft from its pieces: each [bracket] marked (a substantive one saying why), labels in
 *  bold, every text a text node. */
function bracketed(pieces, kinds) {
  const out = [];
  let bracket = null;
  let index = 0;
  for (const piece of pieces) {
    if (piece.kind === "open") {
      const kind = kinds[index++];
      const substantive = kind && kind.kind === "substantive";
      bracket = h(
        "mark",
        { class: `bracket${substantive ? " substantive" : " editorial"}`, title: kind ? kind.why : null },
        piece.text,
      );
    } else if (piece.kind === "close") {
      bracket.append(piece.text);
      if (kindAt(kinds, index - 1) === "substantive")
        bracket.append(h("span", { class: "visually-hidden" }, ` (substantive: ${kinds[index - 1].why})`));
      out.push(bracket);
      bracket = null;
    } else if (piece.kind === "label") bracket.append(h("strong", {}, piece.text));
    else if (bracket) bracket.append(piece.text);
    else out.push(piece.text);
  }
  return out;
}

function kindAt(kinds, index) {
  return kinds[index] ? kinds[index].kind : null;
}

function adoptControl(app, section, proposal) {
  const t = proposal.tally;
  const state = `${t.accepting} accepting, ${t.reserving} reserving, ${t.objecting} objecting, ${t.pending} pending`;
  const blockers = proposal.blockers.map(describe);
  const button = h(
    "button",
    {
      type: "button",
      class: proposal.adoptable ? "primary" : "",
      // The server refuses a blocked adoption anyway; the button says so before it is tried.
      disabled: !proposal.adoptable,
      "aria-describedby": `state-${proposal.id}`,
      onclick: async () => {
        const consensus = proposal.adoptable
          ? "The consensus rule is met"
          : `The consensus rule is NOT met (${blockers.join("; ")})`;
        if (!confirm(`Adopt ${proposal.label} of §${section.number} as the agreed text?\n\n${consensus}: ${state}.`))
          return;
        try {
          await app.api.adopt(app.state.view.id, section.number, proposal.id);
          app.toast(`§${section.number}: ${proposal.label} adopted`);
          app.refresh(0);
        } catch (error) {
          app.toast(error.message, true);
        }
      },
    },
    `Adopt ${proposal.label}`,
  );
  return h(
    "div",
    { class: "adopt" },
    button,
    h(
      "span",
      { id: `state-${proposal.id}`, class: proposal.adoptable ? "ok" : "blocked" },
      proposal.adoptable ? ` Consensus rule met: ${state}.` : ` Blocked until: ${blockers.join("; ")}.`,
    ),
  );
}

/** The chair's own stance on a proposal, folded away until opened (kept open across renders). */
function ownStance(app, proposal) {
  const key = `desk-stance-${proposal.id}`;
  const details = h(
    "details",
    { class: "own-stance", open: drafts.get(key) === true },
    h("summary", {}, `Your stance on ${proposal.label}`),
    stanceForm(app, proposal, { offerSince: false }),
  );
  details.addEventListener("toggle", () => drafts.set(key, details.open));
  return details;
}

/** The agreed sections, each of which the chair may reopen for a reason. */
function agreedSections(app, view) {
  const agreed = view.sections.filter((s) => s.adoption);
  if (!agreed.length) return null;
  return h(
    "section",
    { class: "card agreed-sections", "aria-labelledby": "agreed" },
    h("h2", { id: "agreed" }, "Agreed sections"),
    h(
      "ul",
      {},
      agreed.map((section) => h("li", {}, reopenForm(app, section))),
    ),
  );
}

function reopenForm(app, section) {
  const key = `reopen-${section.number}`;
  const reason = bound("input", key, { id: key, type: "text", required: true, placeholder: "Why it is opened again" });
  return h(
    "form",
    {
      class: "reopen",
      "aria-label": `Reopen §${section.number}`,
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          await app.api.reopen(app.state.view.id, section.number, reason.value.trim());
          drafts.delete(key);
          app.toast(`§${section.number} is open again`);
        } catch (error) {
          app.toast(error.message, true);
        }
      },
    },
    h("a", { href: `#/section/${section.number}` }, `§${section.number} ${section.title}`),
    ` — ${section.adoption.label} adopted by ${section.adoption.by}, ${formatTime(section.adoption.at)}. `,
    h("label", { for: key }, "Reason "),
    reason,
    " ",
    h("button", { type: "submit" }, `Reopen §${section.number}`),
  );
}

function describe(blocker) {
  switch (blocker.kind) {
    case "objects":
      return `${blocker.participant} objects${blocker.stale ? " (earlier text)" : ""}`;
    case "reserves":
      return `${blocker.participant} reserves`;
    case "stale":
      return `${blocker.participant} to confirm`;
    case "no-stance":
      return `${blocker.participant} has not said`;
    case "withdrawn":
      return "withdrawn";
    default:
      return blocker.kind;
  }
}
