// One section: its base text, each proposal (live text, redline, comments,
// your stance), the stance matrix, and starting a new proposal.
//
// Screens are re-rendered on every live change, so whatever a person is
// typing in a form lives in `drafts` (by form, in state.js), not in the DOM.

import { h, bound, formatTime, countdown, statusBadge, stanceLabel, STANCES } from "./dom.js";
import { ProposalEditor } from "./editor.js";
import { drafts, modes, reuse, wanted } from "./state.js";

function draft(key, fallback = "") {
  return drafts.has(key) ? drafts.get(key) : fallback;
}

export function renderSection(app, number) {
  const view = app.state.view;
  const section = view.sections.find((s) => s.number === number);
  if (!section)
    return h(
      "div",
      { class: "card" },
      h("h1", {}, `No section ${number}`),
      h("a", { href: "#/" }, "Back to the overview"),
    );
  const live = section.proposals.filter((p) => !p.withdrawn);
  const withdrawn = section.proposals.filter((p) => p.withdrawn);
  return h(
    "article",
    { class: "section-page" },
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "Overview"), " › ", `§${section.number}`),
    h(
      "header",
      { class: "page-head" },
      h("h1", {}, `§${section.number} ${section.title}`),
      h(
        "p",
        { class: "lede" },
        statusBadge(section.status),
        ` Lead: ${section.lead}. `,
        view.deadline ? `Consultation ${countdown(view.deadline)}.` : "",
      ),
    ),
    section.agreed_text !== null ? agreed(section) : null,
    h(
      "section",
      { class: "card base", "aria-labelledby": `base-${number}` },
      h("h2", { id: `base-${number}` }, "Base text"),
      h("div", { class: "text" }, section.base_text),
    ),
    h("h2", {}, `Proposals (${live.length})`),
    live.length
      ? live.map((p) =>
          reuse(`card-${p.id}`, cardInputs(app, section, p, live), () => proposalCard(app, section, p, live)),
        )
      : h("p", { class: "muted" }, "No proposal yet."),
    withdrawn.length
      ? h(
          "details",
          { class: "withdrawn" },
          h("summary", {}, `Withdrawn (${withdrawn.length})`),
          withdrawn.map((p) =>
            h(
              "div",
              { class: "card" },
              h("h3", {}, p.label, " ", h("span", { class: "muted" }, `by ${p.sponsors.join(", ")}`)),
              h("div", { class: "text" }, p.text),
            ),
          ),
        )
      : null,
    live.length ? matrix(app, section, live) : null,
    section.agreed_text === null && app.member() ? newProposal(app, section, `new-${number}`, section.base_text) : null,
  );
}

function agreed(section) {
  const a = section.adoption;
  return h(
    "section",
    { class: "card agreed", "aria-label": "Agreed text" },
    h("h2", {}, "Agreed text"),
    h("div", { class: "text" }, section.agreed_text),
    a ? h("p", { class: "muted" }, `${a.label}, adopted by ${a.by} on ${formatTime(a.at)}.`) : null,
  );
}

/** The sponsors that joined a proposal (its proposer, and named co-sponsors once they
 *  joined), and those named that have not joined yet. */
function sponsorship(proposal) {
  const joined = proposal.sponsors.filter((code) => proposal.stances[code] && proposal.stances[code].sponsor);
  return { joined, invited: proposal.sponsors.filter((code) => !joined.includes(code)) };
}

/** What a proposal's card shows, besides the forms' drafts and the modes a person picks (those
 *  change with a new generation): a live update that changes none of these keeps the card. */
function cardInputs(app, section, proposal, live) {
  const mode = modeOf(app, proposal);
  return [
    app.state.generation,
    proposal,
    app.state.view.participants,
    section.agreed_text,
    section.base_text,
    live.map((p) => `${p.id} ${p.label}`).join("\n"),
    live.find((p) => p.id === mode) || null,
    app.state.recent.has(proposal.id),
  ];
}

function proposalCard(app, section, proposal, live) {
  const me = app.state.me.participant;
  const { joined, invited } = sponsorship(proposal);
  const sponsor = joined.includes(me);
  const open = section.agreed_text === null;
  const editable = sponsor && open && app.member();
  const t = proposal.tally;
  return h(
    "section",
    {
      class: `card proposal${app.state.recent.has(proposal.id) ? " recent" : ""}`,
      "aria-labelledby": `p-${proposal.id}`,
    },
    h(
      "header",
      { class: "proposal-head" },
      h("h3", { id: `p-${proposal.id}` }, proposal.label),
      h(
        "span",
        { class: "sponsors" },
        `Sponsored by ${joined.join(", ")}`,
        invited.length ? ` (named, not joined yet: ${invited.join(", ")})` : "",
      ),
      h(
        "span",
        { class: "tally", title: "Members on the current text" },
        `${t.accepting} accepting · ${t.reserving} reserving · ${t.objecting} objecting · ${t.pending} pending`,
      ),
      proposal.adoptable ? h("span", { class: "badge status-ready" }, "meets the consensus rule") : null,
    ),
    proposal.rationale ? h("p", { class: "rationale" }, h("strong", {}, "Rationale: "), proposal.rationale) : null,
    modeSwitch(app, section, proposal, live),
    shown(app, section, proposal, editable),
    comments(app, proposal, editable),
    open && app.member() ? stanceForm(app, proposal) : null,
    h(
      "div",
      { class: "actions" },
      open && invited.includes(me) && !proposal.withdrawn ? joinButton(app, proposal) : null,
      open && app.member() && !sponsor
        ? h(
            "button",
            {
              type: "button",
              onclick: () => {
                drafts.set(`from-${proposal.id}-open`, true);
                app.render();
              },
            },
            "Start a new proposal from this text",
          )
        : null,
      editable
        ? h(
            "button",
            {
              type: "button",
              class: "quiet",
              onclick: async () => {
                if (!confirm(`Withdraw ${proposal.label}? Its stances stay on record.`)) return;
                try {
                  await app.api.withdraw(proposal.id);
                  app.toast(`${proposal.label} withdrawn`);
                  app.refresh(0);
                } catch (error) {
                  app.toast(error.message, true);
                }
              },
            },
            "Withdraw",
          )
        : null,
    ),
    draft(`from-${proposal.id}-open`, false) ? newProposal(app, section, `from-${proposal.id}`, proposal.text) : null,
  );
}

function modeSwitch(app, section, proposal, live) {
  const select = h(
    "select",
    {
      "data-focus-key": `mode-${proposal.id}`,
      "aria-label": `What to show of ${proposal.label}`,
      onchange: () => {
        modes.set(proposal.id, select.value);
        app.render();
      },
    },
    h("option", { value: "text" }, "Text"),
    sinceMine(app, proposal) ? h("option", { value: "stance" }, sinceMine(app, proposal)) : null,
    h("option", { value: "base" }, "Changes against the base text"),
    live.filter((p) => p.id !== proposal.id).map((p) => h("option", { value: p.id }, `Changes against ${p.label}`)),
  );
  select.value = modeOf(app, proposal);
  return h("label", { class: "mode" }, "Show: ", select);
}

/** What `proposal` shows: its text, or a redline; "since your stance" only while that stance is stale. */
function modeOf(app, proposal) {
  const mode = modes.get(proposal.id) || "text";
  return mode === "stance" && !sinceMine(app, proposal) ? "text" : mode;
}

function shown(app, section, proposal, editable) {
  const mode = modeOf(app, proposal);
  if (mode !== "text") return redline(app, section, proposal, mode);
  if (editable) return ProposalEditor.for(app, proposal).element;
  return h(
    "div",
    { class: "text readonly", "data-passage": proposal.id, "aria-label": `Text of ${proposal.label} (read only)` },
    highlighted(proposal.text, proposal.comments),
  );
}

/** The text with commented passages marked. */
function highlighted(text, comments) {
  const marks = [...comments].sort((a, b) => a.start - b.start);
  const parts = [];
  let at = 0;
  for (const c of marks) {
    if (c.start < at || c.end <= c.start) continue;
    parts.push(text.slice(at, c.start), h("mark", { title: `${c.by}: ${c.text}` }, text.slice(c.start, c.end)));
    at = c.end;
  }
  parts.push(text.slice(at));
  return parts;
}

/** "Changes since your support" when one's stance on `proposal` was given on an earlier text. */
function sinceMine(app, proposal) {
  const mine = proposal.stances[app.state.me.participant];
  return mine && mine.stale && !mine.sponsor ? `Changes since your ${stanceLabel(mine.stance).toLowerCase()}` : null;
}

/** What changed since one's stance, each change with who made it and when. */
function sinceStance(app, section, proposal) {
  const mine = proposal.stances[app.state.me.participant];
  const key = `stance|${proposal.id}|${mine ? mine.at : ""}|${proposal.text}`;
  const box = h("div", {
    class: "text redline",
    "aria-label": `${sinceMine(app, proposal)} to ${proposal.label}: insertions underlined, deletions struck through`,
  });
  const load = () => app.api.redline(app.state.view.id, section.number, "stance", proposal.id);
  const held = wanted("redline", key, load);
  const by = (s) => (s.by ? `${s.by}, ${formatTime(s.at)}` : null);
  if (!held) box.textContent = "Comparing…";
  else if (held.error) box.textContent = held.error;
  else
    box.replaceChildren(
      ...held.value.segments.map((s) =>
        s.kind === "insert"
          ? h("ins", { title: by(s) }, s.text)
          : s.kind === "delete"
            ? h("del", { title: by(s) }, s.text)
            : s.text,
      ),
    );
  const since = mine ? ` — since your stance of ${formatTime(mine.at)}` : "";
  return h(
    "div",
    {},
    box,
    h("p", { class: "legend muted" }, h("ins", {}, "inserted"), " ", h("del", {}, "deleted"), since),
  );
}

function redline(app, section, proposal, mode) {
  if (mode === "stance") return sinceStance(app, section, proposal);
  const other = mode === "base" ? null : section.proposals.find((p) => p.id === mode);
  const fromText = other ? other.text : section.base_text;
  const key = `${mode}|${proposal.id}|${fromText}|${proposal.text}`;
  const box = h("div", {
    class: "text redline",
    "aria-label": `Changes from ${other ? other.label : "the base text"} to ${proposal.label}: insertions underlined, deletions struck through`,
  });
  const load = () => app.api.redline(app.state.view.id, section.number, other ? other.id : "base", proposal.id);
  const held = wanted("redline", key, load);
  if (!held) box.textContent = "Comparing…";
  else if (held.error) box.textContent = held.error;
  else box.replaceChildren(...classified(held.value.segments, held.value.hunks || []));
  return h(
    "div",
    {},
    box,
    h(
      "p",
      { class: "legend muted" },
      h("ins", {}, "inserted"),
      " ",
      h("del", {}, "deleted"),
      ` — against ${other ? other.label : "the base text"}; `,
      h("mark", { class: "substantive" }, "substantive"),
      " changes are marked, editorial ones (punctuation, spelling, articles) are not",
    ),
  );
}

/** A redline's segments with each hunk (a run of changes between shared words) marked by
 *  its kind: a substantive one in a mark saying why, for the eye and for screen readers. */
function classified(segments, hunks) {
  const out = [];
  let run = [];
  let index = 0;
  const flush = () => {
    if (!run.length) return;
    const hunk = hunks[index++];
    if (hunk && hunk.kind === "substantive")
      out.push(
        h(
          "mark",
          { class: "substantive", title: hunk.why },
          run,
          h("span", { class: "visually-hidden" }, ` (substantive: ${hunk.why})`),
        ),
      );
    else out.push(...run);
    run = [];
  };
  for (const s of segments) {
    if (s.kind === "equal") {
      flush();
      out.push(s.text);
    } else run.push(h(s.kind === "insert" ? "ins" : "del", {}, s.text));
  }
  flush();
  return out;
}

function comments(app, proposal, editable) {
  const key = `comment-${proposal.id}`;
  const input = bound("input", key, {
    type: "text",
    "aria-label": `Comment on the selected passage of ${proposal.label}`,
    placeholder: "Select or quote a passage, then write your comment",
  });
  const quote = bound("input", `quote-${proposal.id}`, {
    type: "text",
    class: "quote",
    "aria-label": `The passage of ${proposal.label} you comment on (its words, if not selected in the text)`,
    placeholder: "Passage: select it in the text, or type its words here",
  });
  const list = proposal.comments.map((c) =>
    h(
      "li",
      {},
      h("blockquote", {}, `“${c.quote}”`),
      h("p", {}, h("strong", {}, c.by), ` (${formatTime(c.at)}): ${c.text}`),
    ),
  );
  const add = async () => {
    // Words typed as the passage win over a selection made earlier (perhaps only to copy).
    const range = (!quote.value.trim() && selectionIn(proposal.id, editable)) || quoted(proposal.text, quote.value);
    if (typeof range === "string") return app.toast(range, true);
    if (!input.value.trim()) return app.toast("Write the comment first.", true);
    try {
      await app.api.comment(proposal.id, range[0], range[1], input.value.trim());
      drafts.delete(key);
      drafts.delete(`quote-${proposal.id}`);
      app.toast("Comment added");
      app.refresh(0);
    } catch (error) {
      app.toast(error.message, true);
    }
  };
  return h(
    "div",
    { class: "comments" },
    list.length ? h("ul", { class: "comment-list", "aria-label": `Comments on ${proposal.label}` }, list) : null,
    app.member()
      ? h(
          "div",
          { class: "comment-add" },
          quote,
          input,
          h("button", { type: "button", onmousedown: rememberSelection, onclick: add }, "Comment"),
        )
      : null,
  );
}

/** Where the quoted words are in `text`, or why they cannot be placed (a message). */
function quoted(text, words) {
  const wanted = words.trim();
  if (!wanted) return "Select the passage you comment on in the text, or type its words.";
  const at = text.indexOf(wanted);
  if (at < 0) return `“${wanted}” is not in the text: quote its words exactly.`;
  if (text.indexOf(wanted, at + 1) >= 0) return `“${wanted}” is in the text more than once: quote more words.`;
  return [at, at + wanted.length];
}

/** The last selection made in a proposal's text (clicking the button may clear it; moving
 *  on with the keyboard keeps it): followed as it changes, whatever selected it. */
let lastSelection = null;
document.addEventListener("selectionchange", rememberSelection);
document.addEventListener("select", rememberSelection, true);
function rememberSelection() {
  const active = document.activeElement;
  if (active && active.tagName === "TEXTAREA" && active.selectionEnd > active.selectionStart) {
    lastSelection = { area: active, range: [active.selectionStart, active.selectionEnd] };
    return;
  }
  const selection = window.getSelection();
  if (!selection || selection.isCollapsed || !selection.rangeCount) return;
  const range = selection.getRangeAt(0);
  const container =
    range.commonAncestorContainer.nodeType === 1
      ? range.commonAncestorContainer
      : range.commonAncestorContainer.parentElement;
  const passage = container && container.closest("[data-passage]");
  if (!passage) return;
  lastSelection = {
    passage: passage.dataset.passage,
    range: [
      offsetIn(passage, range.startContainer, range.startOffset),
      offsetIn(passage, range.endContainer, range.endOffset),
    ],
  };
}

function selectionIn(id, editable) {
  const found = lastSelection;
  lastSelection = null;
  if (!found) return null;
  if (editable && found.area && found.area.dataset.focusKey === `editor-${id}`) return found.range;
  if (!editable && found.passage === id) return found.range;
  return null;
}

/** The character offset of (node, offset) within `container`'s text. */
function offsetIn(container, node, offset) {
  const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
  let total = 0;
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    if (text === node) return total + offset;
    total += text.textContent.length;
  }
  return total;
}

/** The signed-in participant's stance on a proposal, as a form (also on the chair's desk,
 *  without the offer to compare: `offerSince` false). */
export function stanceForm(app, proposal, { offerSince = true } = {}) {
  const me = app.state.me.participant;
  const mine = proposal.stances[me];
  const kindKey = `stance-${proposal.id}`;
  const reasonKey = `reason-${proposal.id}`;
  const adRefKey = `ad-ref-${proposal.id}`;
  const chosen = draft(kindKey, mine && !mine.sponsor ? mine.stance : "");
  if (mine && mine.sponsor) return h("p", { class: "muted" }, "You sponsor this proposal: your support is implied.");
  const reason = bound(
    "textarea",
    reasonKey,
    { rows: 2, "aria-label": "Reason", placeholder: "Why (required to object)", required: chosen === "object" },
    mine ? mine.reason : "",
  );
  const radios = STANCES.map(([kind, label]) =>
    h(
      "label",
      { class: "choice" },
      h("input", {
        type: "radio",
        name: kindKey,
        value: kind,
        checked: chosen === kind,
        "data-focus-key": `${kindKey}-${kind}`,
        onchange: () => {
          drafts.set(kindKey, kind);
          reason.required = kind === "object";
        },
      }),
      ` ${label}`,
    ),
  );
  // A reservation may accept ad referendum: headquarters confirm by a date, adoption is not blocked.
  const adRef = bound("input", adRefKey, { id: adRefKey, type: "datetime-local" });
  const submit = async (event) => {
    event.preventDefault();
    const kind = draft(kindKey, chosen);
    const until = kind === "reserve" && adRef.value ? new Date(adRef.value).toISOString() : null;
    if (!kind) return app.toast("Choose a stance first.", true);
    if (kind === "object" && !reason.value.trim()) {
      reason.focus();
      return app.toast("An objection needs a reason.", true);
    }
    try {
      await app.api.stance(proposal.id, me, kind, reason.value.trim(), until);
      drafts.delete(kindKey);
      drafts.delete(reasonKey);
      drafts.delete(adRefKey);
      app.toast(`Your stance on ${proposal.label}: ${stanceLabel(kind)}`);
      app.refresh(0);
    } catch (error) {
      app.toast(error.message, true);
    }
  };
  return h(
    "form",
    { class: "stance-form", onsubmit: submit, "aria-label": `Your stance on ${proposal.label}` },
    h(
      "fieldset",
      {},
      h(
        "legend",
        {},
        "Your stance",
        mine
          ? h(
              "span",
              { class: "muted" },
              ` (now: ${stanceLabel(mine.stance)}${mine.stale ? ", on an earlier text" : ""})`,
            )
          : null,
      ),
      offerSince && sinceMine(app, proposal)
        ? h(
            "button",
            {
              type: "button",
              class: "quiet since-stance",
              onclick: () => {
                modes.set(proposal.id, "stance");
                app.render();
              },
            },
            sinceMine(app, proposal),
          )
        : null,
      h("div", { class: "choices" }, radios),
      h(
        "label",
        { for: adRefKey, class: "ad-ref" },
        "With reserve: accept ad referendum, headquarters confirming by ",
        adRef,
      ),
      reason,
      h("button", { type: "submit", class: "primary" }, "Record stance"),
    ),
  );
}

function matrix(app, section, live) {
  const me = app.state.me.participant;
  const participants = app.state.view.participants;
  return h(
    "section",
    { class: "card matrix-card", "aria-labelledby": `m-${section.number}` },
    h("h2", { id: `m-${section.number}` }, "Stance matrix"),
    h(
      "div",
      { class: "scroll" },
      h(
        "table",
        { class: "matrix stacked" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, "Participant"),
            live.map((p) => h("th", { scope: "col" }, p.label)),
          ),
        ),
        h(
          "tbody",
          {},
          participants.map((participant) =>
            h(
              "tr",
              { class: participant.code === me ? "me" : null },
              h(
                "th",
                { scope: "row" },
                participant.code,
                participant.role === "observer" ? h("span", { class: "muted" }, " (observer)") : null,
              ),
              live.map((p) => cell(p.stances[participant.code], participant, p.label)),
            ),
          ),
        ),
      ),
    ),
    h(
      "p",
      { class: "legend muted" },
      h("span", { class: "stale" }, "Italic with *"),
      ": given on an earlier text, to be confirmed.",
    ),
  );
}

function cell(stance, participant, label) {
  const column = { "data-label": label };
  if (!stance) return h("td", { class: "none", ...column }, participant.role === "observer" ? "" : "—");
  const shown = stance.sponsor ? "sponsor" : stanceLabel(stance.stance);
  const title = [stance.reason, stance.stale ? "given on an earlier text" : "", stance.at ? formatTime(stance.at) : ""]
    .filter(Boolean)
    .join(" · ");
  return h(
    "td",
    { class: `stance-${stance.stance}${stance.stale ? " stale" : ""}`, title: title || null, ...column },
    shown,
    stance.stale ? h("span", { "aria-label": " (on an earlier text)" }, "*") : null,
  );
}

/** For a participant a proposal names as co-sponsor: joining makes it a sponsor (its
 *  support counts, and it may edit the text). */
function joinButton(app, proposal) {
  return h(
    "button",
    {
      type: "button",
      class: "primary join",
      onclick: async () => {
        try {
          await app.api.cosponsor(proposal.id);
          app.toast(`You co-sponsor ${proposal.label}`);
        } catch (error) {
          app.toast(error.message, true);
        }
      },
    },
    `Join ${proposal.label} as co-sponsor`,
  );
}

function newProposal(app, section, key, startText) {
  const open = draft(`${key}-open`, false);
  if (!open) {
    return h(
      "p",
      {},
      h(
        "button",
        {
          type: "button",
          onclick: () => {
            drafts.set(`${key}-open`, true);
            app.render();
          },
        },
        "Propose a new wording",
      ),
    );
  }
  const label = bound(
    "input",
    `${key}-label`,
    { type: "text", required: true, "aria-label": "Label" },
    `Alt ${section.proposals.length + 1}`,
  );
  const rationale = bound("textarea", `${key}-rationale`, { rows: 2, "aria-label": "Rationale" });
  const cosponsors = bound("input", `${key}-cosponsors`, {
    type: "text",
    "aria-label": "Co-sponsors",
    placeholder: "UNESCO, DESA",
    autocomplete: "off",
  });
  const text = bound(
    "textarea",
    `${key}-text`,
    { rows: 8, required: true, "aria-label": "Text", class: "editor" },
    startText,
  );
  const close = () => {
    for (const k of [...drafts.keys()]) if (k.startsWith(key)) drafts.delete(k);
    app.render();
  };
  return h(
    "form",
    {
      class: "card new-proposal",
      "aria-label": "New proposal",
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          const made = await app.api.propose(app.state.view.id, section.number, {
            label: label.value.trim(),
            rationale: rationale.value.trim(),
            text: text.value,
            cosponsors: cosponsors.value
              .split(/[\s,]+/)
              .map((code) => code.trim())
              .filter(Boolean),
          });
          // Shown once the live patch brings it: the page then scrolls to it.
          app.state.scrollTo = made.id;
          app.toast(`${label.value.trim()} proposed`);
          close();
          app.refresh(0);
        } catch (error) {
          app.toast(error.message, true);
        }
      },
    },
    h("h3", {}, "New proposal"),
    h("label", {}, "Label ", label),
    h("label", {}, "Rationale ", rationale),
    h("label", {}, "Co-sponsors (codes; each joins to sponsor it) ", cosponsors),
    h("label", {}, "Text ", text),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Propose"),
      h("button", { type: "button", class: "quiet", onclick: close }, "Cancel"),
    ),
  );
}
