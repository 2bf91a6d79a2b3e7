// Others' changes, made noticeable: what a live patch changed is highlighted
// for a moment (screens add the class "recent" to what is in `state.recent`)
// and said in the page's aria-live region, for screen readers, at most once
// every few seconds while people type (what changed meanwhile is said together).

import { state } from "./state.js";

/** How long a change stays highlighted. */
const HIGHLIGHT_MS = 2500;
/** The least time between two announcements. */
const ANNOUNCE_EVERY_MS = 4000;

/** Fields of a patched proposal that say nothing a reader needs announced. */
const QUIET = new Set(["id", "heads", "changed_at", "tally", "adoptable", "blockers"]);

/** Notes what a patch changed of the documents others changed (`theirs`: ids), with the view
 *  already patched, before the render; `render` redraws when the highlight ends. */
export function noticeOthers(patch, theirs, render) {
  const view = state.view;
  const proposalIds = new Set(view.sections.flatMap((s) => s.proposals).map((p) => p.id));
  const othersElsewhere = [...theirs].some((id) => !proposalIds.has(id));
  const items = [];
  const ids = [];
  for (const fields of patch.proposals) {
    const proposal = view.sections.flatMap((s) => s.proposals).find((p) => p.id === fields.id);
    if (!proposal || !byOthers(fields, theirs, othersElsewhere)) continue;
    const what = Object.keys(fields).filter((key) => !QUIET.has(key));
    if (!what.length) continue;
    ids.push(proposal.id, `s${proposal.section}`);
    items.push(`§${proposal.section} ${proposal.label}: ${what.map(fieldName).join(", ")}`);
  }
  for (const fields of patch.sections) {
    if (!othersElsewhere) continue;
    const what = Object.keys(fields).filter((key) => ["status", "adoption", "reopenings", "title"].includes(key));
    if (!what.length) continue;
    ids.push(`s${fields.number}`);
    items.push(`§${fields.number}: ${what.map(fieldName).join(", ")}`);
  }
  if (!items.length) return;
  for (const id of ids) state.recent.add(id);
  setTimeout(() => {
    for (const id of ids) state.recent.delete(id);
    render();
  }, HIGHLIGHT_MS);
  state.notices.push(...items);
  const wait = Math.max(0, state.lastNotice + ANNOUNCE_EVERY_MS - Date.now());
  if (state.notices.length === items.length) setTimeout(announce, wait);
}

/** Whether others made a patched proposal's change: its own document (text, withdrawal), or
 *  its stances and comments when others changed documents that are not proposals (their own). */
function byOthers(fields, theirs, elsewhere) {
  return theirs.has(fields.id) || (elsewhere && ("stances" in fields || "comments" in fields));
}

function announce() {
  const items = [...new Set(state.notices)];
  state.notices = [];
  state.lastNotice = Date.now();
  const shown = items.length > 4 ? [...items.slice(0, 4), `and ${items.length - 4} more`] : items;
  document.getElementById("announce").textContent = `Changed by others: ${shown.join("; ")}.`;
}

function fieldName(key) {
  return key.replace(/_/g, " ");
}
