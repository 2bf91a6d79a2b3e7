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

/** Notes what a patch from others changed (with the view already patched), before the render. */
export function noticeOthers(patch) {
  const view = state.view;
  const items = [];
  const ids = [];
  for (const fields of patch.proposals) {
    const proposal = view.sections.flatMap((s) => s.proposals).find((p) => p.id === fields.id);
    if (!proposal) continue;
    const what = Object.keys(fields).filter((key) => !QUIET.has(key));
    if (!what.length) continue;
    ids.push(proposal.id, `s${proposal.section}`);
    items.push(`§${proposal.section} ${proposal.label}: ${what.map(fieldName).join(", ")}`);
  }
  for (const fields of patch.sections) {
    const what = Object.keys(fields).filter((key) => ["status", "adoption", "reopenings", "title"].includes(key));
    if (!what.length) continue;
    ids.push(`s${fields.number}`);
    items.push(`§${fields.number}: ${what.map(fieldName).join(", ")}`);
  }
  if (!items.length) return;
  for (const id of ids) state.recent.add(id);
  setTimeout(() => {
    for (const id of ids) state.recent.delete(id);
  }, HIGHLIGHT_MS);
  state.notices.push(...items);
  const wait = Math.max(0, state.lastNotice + ANNOUNCE_EVERY_MS - Date.now());
  if (state.notices.length === items.length) setTimeout(announce, wait);
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
