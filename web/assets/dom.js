// Small DOM helpers: build elements declaratively, form fields that keep
// their unsent input, format times, and keep focus and selection across a
// re-render (live updates re-render often).

import { drafts } from "./state.js";

/** h("div", {class: "card", onclick: f, "aria-label": "x"}, child, "text", [more]) */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "value") el.value = value;
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/** A form field whose unsent input lives in `drafts` (state.js) under `key`, so a re-render keeps it. */
export function bound(tag, key, props = {}, fallback = "") {
  const el = h(tag, { ...props, "data-focus-key": key });
  el.value = drafts.has(key) ? drafts.get(key) : fallback;
  el.addEventListener("input", () => drafts.set(key, el.value));
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** An SVG element (charts). */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null) continue;
    el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const TIME = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "UTC",
});

/** "5 Nov, 09:30 UTC" */
export function formatTime(ms) {
  return ms === null || ms === undefined ? "" : `${TIME.format(new Date(ms))} UTC`;
}

/** "closes in 3 days 4 h" / "closed 2 days ago" */
export function countdown(deadline, now = Date.now()) {
  if (!deadline) return "no deadline set";
  const left = deadline - now;
  const abs = Math.abs(left);
  const days = Math.floor(abs / 86_400_000);
  const hours = Math.floor((abs % 86_400_000) / 3_600_000);
  const minutes = Math.floor((abs % 3_600_000) / 60_000);
  const span =
    days > 0
      ? `${days} day${days === 1 ? "" : "s"} ${hours} h`
      : hours > 0
        ? `${hours} h ${minutes} min`
        : `${minutes} min`;
  return left >= 0 ? `closes in ${span}` : `closed ${span} ago`;
}

/** Replaces the children of `container` with what `build()` makes, keeping focus, caret
 *  and scroll where they were. Focus is noted before building: building may move a
 *  focused element (a live editor) into the new, detached content. */
export function replaceKeepingFocus(container, build) {
  const active = document.activeElement;
  const key = active && active.dataset ? active.dataset.focusKey : undefined;
  const selection = active && "selectionStart" in active ? [active.selectionStart, active.selectionEnd] : null;
  const scroll = window.scrollY;
  container.replaceChildren(build());
  if (key) {
    const again = container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
    if (again) {
      again.focus({ preventScroll: true });
      // The same element moved (a live editor) keeps its own selection, which the build
      // may have mapped through new text; a new element gets the one noted before.
      if (again !== active && selection && "setSelectionRange" in again) {
        try {
          again.setSelectionRange(selection[0], selection[1]);
        } catch {
          /* not a text control */
        }
      }
    }
  }
  window.scrollTo(0, scroll);
}

/** Where `pos` in `from` lands in `to`, given one changed region between them. */
export function mapPosition(from, to, pos) {
  let prefix = 0;
  const max = Math.min(from.length, to.length);
  while (prefix < max && from[prefix] === to[prefix]) prefix++;
  let suffix = 0;
  while (suffix < max - prefix && from[from.length - 1 - suffix] === to[to.length - 1 - suffix]) suffix++;
  if (pos <= prefix) return pos;
  if (pos >= from.length - suffix) return pos + (to.length - from.length);
  return to.length - suffix;
}

/** The one changed region from `from` to `to`: {start, end (in from), insert}. */
export function splice(from, to) {
  let start = 0;
  const max = Math.min(from.length, to.length);
  while (start < max && from[start] === to[start]) start++;
  let suffix = 0;
  while (suffix < max - start && from[from.length - 1 - suffix] === to[to.length - 1 - suffix]) suffix++;
  return { start, end: from.length - suffix, insert: to.slice(start, to.length - suffix) };
}

export const STANCES = [
  ["support", "Support"],
  ["can-live-with", "Can live with"],
  ["reserve", "Reserve"],
  ["object", "Object"],
];

export function stanceLabel(kind) {
  const found = STANCES.find(([k]) => k === kind);
  return found ? found[1] : kind;
}

/** A status badge: colour plus a symbol and the word, never colour alone. */
export function statusBadge(status) {
  const symbols = { agreed: "✓", "agreed-ad-ref": "✓?", ready: "●", converging: "↗", blocked: "✕", open: "○" };
  const symbol = symbols[status] || "○";
  return h("span", { class: `badge status-${status}` }, h("span", { "aria-hidden": "true" }, symbol), ` ${status}`);
}

/** A file's bytes in base64 (every write is JSON, files too). */
export async function fileBase64(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
