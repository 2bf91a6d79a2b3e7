// Co-editing a proposal's text in place.
//
// The browser sends its whole text with the heads it was based on; the
// server applies it as a change concurrent with whatever landed since and
// answers the merged text and new heads (ARCHITECTURE.md, "Browser
// edits"). So the editor only keeps: the text and heads it last agreed
// with the server, one request in flight, and the keys typed meanwhile,
// which it replays onto the merged text when the answer comes. Other
// sponsors' words arrive on the live socket and are merged in the same
// way; the caret stays where it was relative to the words around it.

import { h, mapPosition, splice } from "./dom.js";
import { sameHeads } from "./state.js";

/** Open editors by proposal id (the live socket feeds them). */
export const editors = new Map();

const SEND_AFTER_MS = 200;

export class ProposalEditor {
  constructor(app, proposal) {
    this.app = app;
    this.id = proposal.id;
    this.baseText = proposal.text;
    this.baseHeads = proposal.heads;
    this.inflight = false;
    this.timer = null;
    /** The server's change counter as of our last saved edit: older live texts are ignored. */
    this.seq = 0;
    /** The first view fetched after our last save: older views are ignored. */
    this.freshFrom = 0;
    /** Delay before retrying after the server could not be reached. */
    this.retryMs = 0;
    this.area = h("textarea", {
      class: "editor",
      rows: Math.max(6, Math.ceil(proposal.text.length / 90) + 2),
      "aria-label": `Text of ${proposal.label} (you sponsor it: your edits are shared live)`,
      "data-focus-key": `editor-${proposal.id}`,
      spellcheck: "true",
    });
    this.area.value = proposal.text;
    this.state = h("span", { class: "save-state", "aria-live": "polite" }, "Saved");
    this.others = h("span", { class: "co-editors" });
    this.element = h(
      "div",
      { class: "editor-box" },
      this.area,
      h("div", { class: "editor-foot" }, this.state, this.others),
    );
    this.area.addEventListener("input", () => this.typed());
    for (const event of ["select", "keyup", "click", "focus"])
      this.area.addEventListener(event, () => this.cursorMoved());
    this.area.addEventListener("blur", () => app.sendCursor(null, 0, 0));
    editors.set(this.id, this);
  }

  /** The editor for a proposal, kept across re-renders so typing is never interrupted. */
  static for(app, proposal) {
    const existing = editors.get(proposal.id);
    if (existing) {
      existing.update(proposal);
      return existing;
    }
    return new ProposalEditor(app, proposal);
  }

  get dirty() {
    return this.area.value !== this.baseText;
  }

  typed() {
    this.state.textContent = "Editing…";
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.send(), SEND_AFTER_MS + this.retryMs);
  }

  async send() {
    if (this.inflight || !this.dirty) return;
    this.inflight = true;
    this.state.textContent = "Saving…";
    const sent = this.area.value;
    try {
      const answer = await this.app.api.editText(this.id, sent, this.baseHeads);
      this.settle(sent, answer.text, answer.heads, answer.seq);
      this.state.textContent = "Saved";
      this.retryMs = 0;
    } catch (error) {
      this.failed(error);
    } finally {
      this.inflight = false;
    }
    if (this.dirty) this.typed();
    else this.app.refresh();
  }

  /** A refusal (4xx) will not change on retry: the text goes back to the server's.
   *  Otherwise (server unreachable, 5xx) the edit is kept and retried, less and less often. */
  failed(error) {
    if (error.status >= 400 && error.status < 500) {
      this.state.textContent = "Not saved";
      this.app.toast(`Your edit was refused: ${error.message}`, true);
      this.replaceText(this.baseText);
      this.retryMs = 0;
      return;
    }
    this.retryMs = Math.min(Math.max(this.retryMs * 2, 1000), 30_000);
    this.state.textContent = `Not saved yet: retrying in ${Math.round(this.retryMs / 1000)} s`;
    if (this.retryMs === 1000) this.app.toast(`Your edit is not saved yet: ${error.message}`, true);
  }

  /** The server merged `sent` into `merged`; replay what was typed since onto it. */
  settle(sent, merged, heads, seq) {
    this.seq = Math.max(this.seq, seq || 0);
    this.freshFrom = this.app.state.viewRequests + 1;
    const typedSince = splice(sent, this.area.value);
    const start = mapPosition(sent, merged, typedSince.start);
    const end = mapPosition(sent, merged, typedSince.end);
    const next = merged.slice(0, start) + typedSince.insert + merged.slice(end);
    this.baseText = merged;
    this.baseHeads = heads;
    this.replaceText(next);
  }

  /** Text that arrived on the live socket (`seq`: the server's change counter). Ignored while
   *  our own edit is under way (its answer brings it) and when older than our last save. */
  remote(text, heads, seq) {
    if (seq !== undefined && seq <= this.seq) return;
    if (sameHeads(heads, this.baseHeads) || this.inflight || this.dirty) return;
    this.baseText = text;
    this.baseHeads = heads;
    this.replaceText(text);
  }

  /** The proposal as the view shows it (after a re-render); a view older than our last save is ignored. */
  update(proposal) {
    this.area.setAttribute("aria-label", `Text of ${proposal.label} (you sponsor it: your edits are shared live)`);
    if (this.app.state.viewNumber < this.freshFrom) return;
    this.remote(proposal.text, proposal.heads, this.app.state.viewSeq);
  }

  /** Sets the text, the selection following the words around it (also while the
   *  editor is being moved by a re-render and so not focused for a moment). */
  replaceText(next) {
    const old = this.area.value;
    if (old === next) return;
    const [start, end] = [this.area.selectionStart, this.area.selectionEnd];
    this.area.value = next;
    this.area.setSelectionRange(mapPosition(old, next, start), mapPosition(old, next, end));
    this.showOthers(this.app.state.cursors);
  }

  cursorMoved() {
    clearTimeout(this.cursorTimer);
    this.cursorTimer = setTimeout(() => {
      if (document.activeElement === this.area)
        this.app.sendCursor(this.id, this.area.selectionStart, this.area.selectionEnd);
    }, 120);
  }

  /** Shows who else is in this text and where. */
  showOthers(cursors) {
    const here = [...cursors.entries()].filter(([, c]) => c.proposal === this.id);
    this.others.replaceChildren(
      ...here.map(([who, c]) => {
        const text = this.area.value;
        const at = Math.min(c.start, text.length);
        const near = text.slice(Math.max(0, at - 18), at).replace(/\s+/g, " ");
        return h(
          "span",
          { class: "co-editor", title: `${who} is editing at character ${at}` },
          h("span", { class: "dot" }, who),
          near ? ` near “…${near}”` : " at the start",
        );
      }),
    );
  }
}
