// Accord in the browser: sign-in, the live connection, and the router.
//
// The state lives in state.js (the negotiation view is the same JSON as
// `accord status --json`). The live socket keeps it current: `changed`
// messages (what changed in a proposal's text) update open editors at once,
// and `patch` messages, sent after a pause, patch the view (the fields that
// changed), so the whole view is fetched only on connect or when a patch
// cannot apply; every screen is re-rendered from the state, keeping focus and
// caret where they were, and what a screen wanted and was not cached is
// loaded after the render.

import { api, ApiError } from "./api.js";
import { h, replaceKeepingFocus } from "./dom.js";
import { renderOverview } from "./overview.js";
import { renderSection } from "./section.js";
import { renderDesk } from "./desk.js";
import { renderOpening } from "./opening.js";
import { noticeOthers } from "./notices.js";
import { editors } from "./editor.js";
import { state, setView, applyPatch, announce, announcedText, loadWanted, startVisit } from "./state.js";

const main = document.getElementById("main");

/** What screens may do: read the state, call the API, and ask for updates. */
const app = {
  state,
  api,
  refresh: afterWrite,
  render,
  toast,
  sendCursor(proposal, start, end) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) {
      state.socket.send(JSON.stringify({ type: "cursor", proposal, start, end }));
    }
  },
  chairs() {
    return state.me && (state.me.role === "chair" || state.me.role === "convenor");
  },
  member() {
    return state.me && state.me.role !== "observer";
  },
};

let listening = false;

async function boot() {
  if (!listening) {
    listening = true;
    // A new screen starts at its top, not at the previous screen's scroll position.
    window.addEventListener("hashchange", () => {
      render();
      window.scrollTo(0, 0);
    });
    // The skip link moves focus to the content; it must not change the route.
    document.querySelector(".skip").addEventListener("click", (event) => {
      event.preventDefault();
      main.focus();
    });
    // The consultation countdown moves on even when nothing changes.
    setInterval(draw, 60_000);
  }
  const token = tokenFromLink();
  if (token) {
    try {
      await api.signIn(token);
    } catch (error) {
      return renderSignIn(signInProblem(error));
    }
  }
  try {
    state.me = await api.me();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return renderSignIn();
    return fatal(error);
  }
  // The secretariat takes part in no negotiation: it opens them.
  if (state.me.secretariat) return renderSecretariat();
  startVisit(state.me.negotiation, state.me.participant);
  await loadView();
  connectLive();
  render();
}

/** A sign-in link is `/#token=T`; the token is taken out of the address at once. */
function tokenFromLink() {
  const match = location.hash.match(/token=([^&]+)/);
  if (!match) return null;
  history.replaceState(null, "", `${location.pathname}#/`);
  return decodeURIComponent(match[1]);
}

/** Why signing in failed, in plain words. */
function signInProblem(error) {
  if (error instanceof ApiError && error.status === 401) {
    return "This sign-in link or token is not valid: it may have expired or been revoked. Ask the chair for a new one.";
  }
  if (error instanceof ApiError && error.status === 0) {
    return "The server cannot be reached: check your connection, then try again.";
  }
  return `Signing in did not work: ${error.message}`;
}

function renderSignIn(problem) {
  document.getElementById("identity").replaceChildren();
  const input = h("input", {
    id: "token",
    name: "token",
    type: "password",
    autocomplete: "off",
    required: true,
    "aria-describedby": "token-help",
  });
  const form = h(
    "form",
    {
      class: "card signin",
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          await api.signIn(input.value.trim());
          location.hash = "#/";
          await boot();
        } catch (error) {
          renderSignIn(signInProblem(error));
        }
      },
    },
    h("h1", {}, "Sign in to Accord"),
    h("label", { for: "token" }, "Your sign-in token"),
    input,
    h(
      "p",
      { id: "token-help", class: "muted" },
      "The chair issues it with ",
      h("code", {}, "accord invite --as CODE"),
      ", or open the link it printed.",
    ),
    problem ? h("p", { class: "error", role: "alert" }, problem) : null,
    h("button", { type: "submit", class: "primary" }, "Sign in"),
  );
  main.replaceChildren(form);
  input.focus();
}

function renderSecretariat() {
  document.title = "Open a negotiation · Accord";
  document.getElementById("identity").replaceChildren(h("span", { class: "who" }, "Secretariat"));
  document.getElementById("nav").replaceChildren();
  main.replaceChildren(renderOpening(api, state.me));
}

async function loadView() {
  const number = ++state.viewRequests;
  const { data: view, etag } = await api.view(state.me.negotiation);
  setView(view, etag, number);
}

/** After one's own write: the live socket brings the change as a patch; without the socket, fetch. */
function afterWrite(delay = 120) {
  if (!state.socket || state.socket.readyState !== WebSocket.OPEN) scheduleRefresh(delay);
}

let refreshTimer = null;
/** Refetches the view soon (changes come in bursts while people type). */
function scheduleRefresh(delay = 120) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => {
    try {
      await loadView();
      render();
    } catch (error) {
      toast(error.message, true);
    }
  }, delay);
}

let retry = 500;
function connectLive() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(
    `${scheme}://${location.host}/api/negotiations/${encodeURIComponent(state.me.negotiation)}/live`,
  );
  state.socket = socket;
  socket.addEventListener("open", () => {
    retry = 500;
    banner(null);
  });
  socket.addEventListener("message", (event) => onLive(JSON.parse(event.data)));
  socket.addEventListener("close", () => {
    state.socket = null;
    banner("Live updates paused: reconnecting…");
    setTimeout(connectLive, retry);
    retry = Math.min(retry * 2, 10_000);
  });
}

function onLive(message) {
  switch (message.type) {
    case "view":
      // (Re)connected: the server may have restarted, so its change counter too.
      setView(message.view, message.etag);
      for (const editor of editors.values()) editor.seq = 0;
      render();
      break;
    case "changed":
      // `by` is null for a change another process stored (a command on the server's store).
      if (message.by !== state.me.participant) for (const id of message.documents || []) state.othersChanged.add(id);
      for (const proposal of message.proposals || []) {
        const text = announcedText(proposal);
        if (text === null) {
          scheduleRefresh();
          continue;
        }
        announce(proposal.id, text, proposal.heads);
        const editor = editors.get(proposal.id);
        if (editor) editor.remote(text, proposal.heads, message.seq);
      }
      break;
    case "patch":
      // What the changes since the version held do to the view (sent after a pause).
      if (applyPatch(message.patch, message.seq)) {
        if (state.othersChanged.size) noticeOthers(message.patch, state.othersChanged, draw);
        state.othersChanged = new Set();
        draw();
      } else scheduleRefresh();
      break;
    case "presence":
      state.present = message.present || [];
      for (const who of [...state.cursors.keys()]) if (!state.present.includes(who)) state.cursors.delete(who);
      for (const editor of editors.values()) editor.showOthers(state.cursors);
      renderIdentity();
      break;
    case "cursor":
      if (state.me && message.who === state.me.participant) break;
      state.cursors.set(message.who, { proposal: message.proposal, start: message.start, end: message.end });
      for (const editor of editors.values()) editor.showOthers(state.cursors);
      break;
    case "lagged":
      scheduleRefresh(0);
      break;
  }
}

function renderIdentity() {
  const me = state.me;
  if (!me) return;
  const others = state.present.filter((code) => code !== me.participant);
  const parts = [h("span", { class: "who", title: me.name }, h("strong", {}, me.participant), " · ", me.role)];
  if (others.length) {
    parts.push(
      h(
        "span",
        { class: "present", "aria-label": `Here now: ${others.join(", ")}` },
        "Here: ",
        others.map((code) => h("span", { class: "dot", title: `${code} is here` }, code)),
      ),
    );
  }
  document.getElementById("identity").replaceChildren(...parts);
}

function renderNav() {
  const links = [["#/", "Overview"]];
  if (app.chairs()) links.push(["#/desk", "Chair's desk"]);
  const current = location.hash || "#/";
  document
    .getElementById("nav")
    .replaceChildren(
      ...links.map(([href, label]) => h("a", { href, "aria-current": current === href ? "page" : null }, label)),
    );
}

/** Renders after a person's action, a new route or a fetched answer: every part of the screen
 *  is built again (a new generation), so none shows what that changed stale. */
function render() {
  state.generation++;
  draw();
}

/** Renders after a live update or the clock: parts whose inputs did not change are kept (see
 *  `reuse` in state.js), with what is typed, selected or focused in them. */
function draw() {
  if (!state.me || !state.view) return;
  renderIdentity();
  renderNav();
  const route = location.hash.replace(/^#/, "") || "/";
  const section = route.match(/^\/section\/(\d+)$/);
  document.title = `${state.view.title} · Accord`;
  replaceKeepingFocus(main, () => {
    if (section) return renderSection(app, Number(section[1]));
    if (route === "/desk") return renderDesk(app);
    return renderOverview(app);
  });
  loadWanted(render);
  scrollToWanted();
}

/** Brings a proposal just made into view once a render shows it, its heading focused. */
function scrollToWanted() {
  const heading = state.scrollTo && document.getElementById(`p-${state.scrollTo}`);
  if (!heading) return;
  state.scrollTo = null;
  heading.setAttribute("tabindex", "-1");
  heading.scrollIntoView({ block: "start" });
  heading.focus({ preventScroll: true });
}

let toastTimer = null;
function toast(message, isError = false) {
  const el = document.getElementById("toast");
  el.textContent = message;
  el.className = isError ? "error" : "";
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(
    () => {
      el.hidden = true;
    },
    isError ? 8000 : 3000,
  );
}

function banner(message) {
  const el = document.getElementById("banner");
  el.textContent = message || "";
  el.hidden = !message;
}

function fatal(error) {
  main.replaceChildren(
    h(
      "div",
      { class: "card" },
      h("h1", {}, "Accord cannot start"),
      h("p", { class: "error", role: "alert" }, error.message),
    ),
  );
}

boot();
