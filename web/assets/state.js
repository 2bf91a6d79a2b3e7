// The client's state and caches, in one module: who you are, the
// negotiation view and the version it is at, who is here and where
// co-editors' cursors are, what people are typing in forms, and what was
// fetched besides the view (redlines, the desk's compromise drafts and
// convergence histories) and parts of screens already built, each cache
// bounded.
//
// Screens read from here and never fetch: a screen asks with `wanted(kind,
// key, load)`, which answers what is cached or records the need; after each
// render the app calls `loadWanted`, which runs the loads and renders again
// as each arrives. Keys name what the answer depends on (the texts
// compared), so a changed text asks anew and an old answer ages out.

export const state = {
  me: null,
  view: null,
  /** View fetches started, and the number of the one shown (editors ignore views older than their last save). */
  viewRequests: 0,
  viewNumber: 0,
  /** The server's change counter the view is at, when a live patch made it (fetched views: unknown). */
  viewSeq: undefined,
  /** The server's tag of the version the view is (a live patch applies only from it). */
  viewTag: null,
  present: [],
  cursors: new Map(),
  /** Counts the renders that rebuild every part (a person's action, a route, an answer): a part
   *  built from it is kept only across live updates that did not touch what it shows. */
  generation: 0,
  /** A proposal to bring into view once it is shown (one just proposed). */
  scrollTo: null,
  socket: null,
  /** The documents others changed since the last patch (what of it is announced). */
  othersChanged: new Set(),
  /** What others just changed (proposal ids, "s" + section number): shown highlighted for a moment. */
  recent: new Set(),
  /** Announcements of others' changes waiting to be read out, and when the last one was. */
  notices: [],
  lastNotice: 0,
  /** When the signed-in participant last opened this negotiation before now (ms; null: never). */
  lastVisit: null,
  /** What the overview's file tools last said: `{ approval, since, verify }`, each a message or a result. */
  files: {},
};

/** The latest text the live socket announced for each proposal (`changed`), `{ text, heads }`:
 *  a patch names a changed text by its heads only. */
const announced = new Map();

/** Keeps a text a `changed` message carried, for the patch that follows. */
export function announce(id, text, heads) {
  announced.set(id, { text, heads });
}

/** The text a `changed` message's entry gives a proposal: its whole `text`, or the one region
 *  that changed (`at`, `delete`: UTF-16 code units, as JavaScript indexes strings; `insert`)
 *  in the text held at heads `from` (the last one announced, or the view's). Null when neither
 *  is at `from` (a message was missed): the view must be fetched. */
export function announcedText(change) {
  if (typeof change.text === "string") return change.text;
  const atFrom = (held) => held && sameHeads(held.heads, change.from);
  let held = announced.get(change.id);
  // The view is searched only when the last text announced is not the one the change starts from.
  if (!atFrom(held))
    held = state.view?.sections.flatMap((section) => section.proposals).find((p) => p.id === change.id);
  if (!atFrom(held)) return null;
  return held.text.slice(0, change.at) + change.insert + held.text.slice(change.at + change.delete);
}

/** Whether two lists of document heads name the same version (in any order). */
export function sameHeads(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  const sorted = [...b].sort();
  return [...a].sort().every((head, i) => head === sorted[i]);
}

/** Unsent form input, by key, kept across re-renders. */
export const drafts = new Map();
/** What each proposal shows: "text", or the redline against "base" or another proposal's id. */
export const modes = new Map();

/** A map that forgets its least recently used entries beyond `limit`. */
class Bounded {
  constructor(limit) {
    this.limit = limit;
    this.entries = new Map();
  }

  get(key) {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key, value) {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value);
  }
}

/** Fetched answers, `{ value }` or `{ error }`, by kind and key. */
const caches = { redline: new Bounded(100), desk: new Bounded(30), "since-visit": new Bounded(2) };
/** Loads a render asked for, not yet started, and those under way. */
const wants = new Map();
const loading = new Set();

/** What `kind`/`key` holds (`{ value }` or `{ error }`), or undefined: then `load` runs after the render. */
export function wanted(kind, key, load) {
  const held = caches[kind].get(key);
  if (held) return held;
  wants.set(`${kind}\u0000${key}`, { kind, key, load });
  return undefined;
}

/** Starts every load a render wanted; `arrived` is called after each one ends. */
export function loadWanted(arrived) {
  for (const [id, want] of wants) {
    wants.delete(id);
    if (loading.has(id)) continue;
    loading.add(id);
    want
      .load()
      .then(
        (value) => caches[want.kind].set(want.key, { value }),
        (error) => caches[want.kind].set(want.key, { error: error.message }),
      )
      .finally(() => {
        loading.delete(id);
        arrived();
      });
  }
}

/** Parts of screens already built, by key, with what they were built from. */
const built = new Bounded(500);

/** The part built last time under `key` if every one of `from` is the same (===) as then, else
 *  `build()`'s. A live patch keeps the objects of what did not change, so a re-render rebuilds
 *  only the parts a change touched; the rest stay the same elements. */
export function reuse(key, from, build) {
  const held = built.get(key);
  if (held && held.from.length === from.length && held.from.every((part, i) => part === from[i])) return held.node;
  const node = build();
  built.set(key, { from, node });
  return node;
}

/** Starts a visit: remembers when the previous one was (`state.lastVisit`) and records this
 *  one for next time, in the browser's storage (per negotiation and participant). */
export function startVisit(negotiation, participant) {
  const key = `accord-visit-${negotiation}-${participant}`;
  try {
    state.lastVisit = Number(localStorage.getItem(key)) || null;
    localStorage.setItem(key, String(Date.now()));
  } catch {
    // Storage refused (a private window's settings): no "since your last visit".
    state.lastVisit = null;
  }
}

/** Holds a whole view: fetched (request `number`), or the socket's first message. */
export function setView(view, tag, number = ++state.viewRequests) {
  if (number < state.viewNumber) return;
  state.view = view;
  state.viewTag = tag;
  state.viewNumber = number;
  state.viewSeq = undefined;
}

/** Brings the view to change `seq` from a live patch: for each section that changed, its
 *  number, its proposals' ids in order and its fields that changed; for each proposal that
 *  changed, its id and its fields that changed (a new one: all); the numbers of all sections;
 *  the negotiation's own fields when they changed. A proposal's changed text is not in the
 *  patch, only its new heads: the text comes from the `changed` message that announced them
 *  (none: the patch does not apply). Fields replace those held; what did not
 *  change keeps its object, so a screen can tell what changed. A patch from another version
 *  than the one held does not apply: false, fetch instead. */
export function applyPatch(patch, seq) {
  if (!state.view || patch.from !== state.viewTag) return false;
  const sections = new Map(state.view.sections.map((section) => [section.number, section]));
  const proposals = new Map(state.view.sections.flatMap((section) => section.proposals).map((p) => [p.id, p]));
  for (const fields of patch.proposals) {
    const proposal = { ...proposals.get(fields.id), ...fields };
    if (!("text" in fields) && "heads" in fields) {
      // The text changed: the `changed` message for these heads carried it.
      const said = announced.get(fields.id);
      if (!said || !sameHeads(said.heads, fields.heads)) return false;
      proposal.text = said.text;
    }
    proposals.set(fields.id, proposal);
  }
  for (const { proposal_ids: ids, ...fields } of patch.sections) {
    if (!ids.every((id) => proposals.has(id))) return false;
    const section = { ...sections.get(fields.number), ...fields };
    sections.set(fields.number, { ...section, proposals: ids.map((id) => proposals.get(id)) });
  }
  const ordered = patch.numbers.map((number) => sections.get(number));
  if (!ordered.every(Boolean)) return false;
  state.view = { ...state.view, ...(patch.negotiation || {}), sections: ordered };
  state.viewTag = patch.to;
  state.viewNumber = ++state.viewRequests;
  state.viewSeq = seq;
  return true;
}
